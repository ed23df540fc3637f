"""One Lambda execution environment: a worker process that imported one service's app.py, and its failures."""
from __future__ import annotations

import logging
import socket
import subprocess  # nosec B404: developer tooling starting our own Python processes
import sys
import time
from pathlib import Path
from typing import Any, Mapping

from .worker import recv_frame, send_frame

logger = logging.getLogger("telehealth_local.lambda_runtime")


class WorkerDied(Exception):
    """The worker process exited (or closed its socket) before answering."""


class WorkerTimedOut(Exception):
    """The worker did not answer within the allowed time."""


class WorkerLost(WorkerDied):
    """The worker died before it acknowledged the request: the handler never ran."""


class WorkerStartFailed(Exception):
    def __init__(self, error: dict[str, Any]):
        super().__init__(error.get("errorMessage", "the worker could not start"))
        self.error = error


def _recv_with_deadline(sock: socket.socket, deadline: float | None) -> dict[str, Any]:
    timeout = None if deadline is None else max(0.001, deadline - time.monotonic())
    sock.settimeout(timeout)
    try:
        message = recv_frame(sock)
    except socket.timeout as exc:
        raise WorkerTimedOut() from exc
    except (OSError, ValueError) as exc:
        raise WorkerDied(str(exc)) from exc
    if message is None:
        raise WorkerDied("the worker closed its socket")
    return message


class WorkerProcess:
    """One execution environment: a child process that imported one service's app.py."""

    def __init__(self, service: str, service_dir: Path, env: Mapping[str, str]):
        self.service = service
        self.service_dir = service_dir
        self._env = dict(env)
        self._sock: socket.socket | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, startup_timeout: float) -> None:
        parent, child = socket.socketpair()
        try:
            self.process = subprocess.Popen(  # nosec B603: fixed argv of our own programs, no shell
                [sys.executable, "-m", "telehealth_local.glue.lambda_service.worker",
                 "--service-dir", str(self.service_dir), "--fd", str(child.fileno())],
                pass_fds=[child.fileno()], env=self._env, cwd=str(self.service_dir),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self._sock = parent
        try:
            hello = _recv_with_deadline(parent, time.monotonic() + startup_timeout)
        except (WorkerDied, WorkerTimedOut):
            self.kill()
            raise WorkerStartFailed({"errorType": "Runtime.ExitError",
                                     "errorMessage": f"the {self.service} worker did not start"})
        if hello.get("type") == "fatal":
            self.kill()
            raise WorkerStartFailed(hello.get("error") or {})
        if hello.get("type") != "ready":
            self.kill()
            raise WorkerStartFailed({"errorType": "Runtime.ExitError",
                                     "errorMessage": "unexpected first message from the worker"})

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self._sock is None:
            raise RuntimeError("the worker is not running")
        deadline = time.monotonic() + timeout
        try:
            send_frame(self._sock, request)
            ack = _recv_with_deadline(self._sock, deadline)
        except (OSError, WorkerDied) as exc:
            raise WorkerLost(str(exc)) from exc
        if ack.get("type") != "started" or ack.get("id") != request.get("id"):
            raise WorkerDied("the worker answered out of turn")
        return _recv_with_deadline(self._sock, deadline)

    def kill(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                logger.warning("worker %s did not exit after SIGKILL", self.process.pid)

    def stop(self, timeout: float = 2.0) -> None:
        """Close the socket (the worker exits on EOF); kill it if it lingers."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.process is not None:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
