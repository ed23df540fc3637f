"""Process helpers for the stack's children: dying with the parent, port checks, health probes, process groups."""
from __future__ import annotations

import os
import signal
import socket
import subprocess  # nosec B404: developer tooling starting our own Python processes
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


PARENT_PID_VARIABLE = "TELEHEALTH_LOCAL_PARENT_PID"


def die_with_parent() -> None:
    """Called first by a child (endpoint, service): have Linux SIGTERM it when its starter dies.

    Set up in the child rather than in a preexec_fn, which is unsafe in a threaded parent.
    A no-op unless the starter asked for it (PARENT_PID_VARIABLE) and on systems without prctl.
    """
    parent = os.environ.pop(PARENT_PID_VARIABLE, None)
    if not parent:
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(pr_set_pdeathsig, signal.SIGTERM) != 0:
            return
    except (OSError, AttributeError):
        return  # not Linux: the runner's own signal handling still stops the children
    if os.getppid() != int(parent):  # the starter died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = None
    log_file: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.is_file():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # nosec B310: url is always http://host:port/health built here
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


class PortInUse(Exception):
    def __init__(self, host: str, port: int, what: str):
        super().__init__(f"port {port} on {host} ({what}) is already in use: stop whatever listens there "
                         f"(e.g. `lsof -i :{port}`) or choose another port")
        self.port = port


def ensure_port_free(host: str, port: int, what: str) -> None:
    """Raise PortInUse if `port` cannot be bound (the same test the real bind makes)."""
    if port == 0:
        return
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # The servers set SO_REUSEADDR too, so a port in TIME_WAIT counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError:
        raise PortInUse(host, port, what) from None
    finally:
        probe.close()


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # the whole group is gone already
