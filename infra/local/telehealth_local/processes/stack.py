"""Starts and stops the local stack's processes (the endpoint and the HTTP services) and waits
until every one of them answers its health check; used by `telehealth_local.processes.run` and by the
test fixtures.

Each child runs in its own process group (the endpoint's Lambda workers share the
endpoint's), so stopping signals whole groups and leaves no orphans; on Linux each child also
gets SIGTERM if the process that started it dies (see die_with_parent).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess  # nosec B404: developer tooling starting our own Python processes
import sys
import threading
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..layout import BASE_DIR, ENDPOINT_PORT, HOST, MEDIA_DIR, MEDIA_PORT, REPO_ROOT, SERVICE_PORTS, SERVICES, SESSIONS_PORT
from ..outputs import load_outputs, service_environment
from .helpers import PARENT_PID_VARIABLE, Child, PortInUse, ensure_port_free, http_ok, signal_group


def media_available() -> bool:
    """The media plane can run: Node is installed and so are its npm packages (`make install`)."""
    return shutil.which("node") is not None and (MEDIA_DIR / "node_modules" / "werift").is_dir()


class StackError(Exception):
    """A child failed to start or died; the message says which and shows its last output."""


class Stack:
    """The local stack as child processes. `start()` returns once every health check answers."""

    def __init__(self, *, services: Sequence[str] = SERVICES, host: str = HOST,
                 endpoint_port: int = ENDPOINT_PORT, ws_port: int = SESSIONS_PORT,
                 service_ports: Mapping[str, int] | None = None, base_dir: Path | str | None = None,
                 services_root: Path | str | None = None, log_dir: Path | str | None = None,
                 env: Mapping[str, str] | None = None, startup_timeout: float = 60.0, prewarm: bool = True,
                 die_with_parent: bool = True, media: bool | None = False, media_port: int = MEDIA_PORT,
                 console_port: int | None = None):
        unknown = [s for s in services if s not in SERVICES]
        if unknown:
            raise ValueError(f"unknown services: {', '.join(unknown)} (choose from {', '.join(SERVICES)})")
        self.services = list(services)
        self.host = host
        self.endpoint_port = endpoint_port
        self.ws_port = ws_port
        ports = dict(SERVICE_PORTS)
        ports.update(service_ports or {})
        self.service_ports = {s: ports[s] for s in self.services}
        self.base_dir = Path(base_dir or BASE_DIR)
        self.outputs_path = self.base_dir / "outputs.json"
        self.services_root = Path(services_root) if services_root else None
        self.log_dir = Path(log_dir) if log_dir else None
        self.env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.prewarm = prewarm
        self.die_with_parent = die_with_parent
        # The media plane (infra/local/media, Node): None = run it when it is installed.
        self.media = media_available() if media is None else media
        self.media_port = media_port
        # The web console's static server (processes/console_server.py); None runs none.
        self.console_port = console_port
        if console_port:
            # The services let the browser origin of this stack's console call them (CORS).
            self.env.setdefault("TELEHEALTH_CORS_ALLOW_ORIGIN", f"http://{host}:{console_port}")
        self.children: list[Child] = []
        self.outputs: dict[str, str] = {}
        self.elapsed: float | None = None

    # -- addresses -------------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.endpoint_port}"

    @property
    def sessions_url(self) -> str:
        return f"ws://{self.host}:{self.ws_port}"

    @property
    def media_url(self) -> str | None:
        return f"http://{self.host}:{self.media_port}" if self.media else None

    @property
    def service_urls(self) -> dict[str, str]:
        return {s: f"http://{self.host}:{p}" for s, p in self.service_ports.items()}

    @property
    def console_url(self) -> str | None:
        return f"http://{self.host}:{self.console_port}" if self.console_port else None

    def ports(self) -> list[tuple[int, str]]:
        media = [(self.media_port, "media plane")] if self.media else []
        console = [(self.console_port, "web console")] if self.console_port else []
        return [(self.endpoint_port, "local AWS endpoint"), (self.ws_port, "messaging sessions")] + media + [
            (port, f"{service} service") for service, port in self.service_ports.items()] + console

    def check_ports(self) -> None:
        """Raise PortInUse naming every taken port, before anything is started."""
        taken = []
        for port, what in self.ports():
            try:
                ensure_port_free(self.host, port, what)
            except PortInUse as exc:
                taken.append(exc)
        if taken:
            error = taken[0]
            error.args = ("\n".join(str(e) for e in taken),)
            raise error

    # -- processes -------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str], program: str | None = None) -> Child:
        # A developer's AWS profile or per-service endpoint overrides must not leak into the stack.
        env = service_environment({}, os.environ)
        env.update(self.env)
        env["PYTHONUNBUFFERED"] = "1"
        # Linux ties the parent-death signal to the thread that forked: only ask for it when
        # that thread is the main one, which lives as long as the process.
        if self.die_with_parent and threading.current_thread() is threading.main_thread():
            env[PARENT_PID_VARIABLE] = str(os.getpid())
        log_path = log_file = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log_path = self.log_dir / f"{name}.log"
            log_file = log_path.open("wb")
        process = subprocess.Popen(  # nosec B603: fixed argv of our own programs, no shell
            [program or sys.executable, *args], env=env, cwd=str(REPO_ROOT), stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT if log_file else None,
            start_new_session=True,
        )
        child = Child(name, process, log_path, log_file)
        self.children.append(child)
        return child

    def start(self) -> float:
        """Start everything; returns the seconds until every health check answered."""
        if self.children:
            raise RuntimeError("the stack is already started")
        started = time.monotonic()
        self.check_ports()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.outputs_path.unlink(missing_ok=True)
        endpoint_args = ["-m", "telehealth_local.processes.endpoint", "--host", self.host, "--port", str(self.endpoint_port),
                         "--ws-port", str(self.ws_port), "--outputs", str(self.outputs_path)]
        if self.services_root:
            endpoint_args += ["--services-root", str(self.services_root)]
        if not self.prewarm:
            endpoint_args.append("--no-prewarm")
        if self.media:
            endpoint_args += ["--media-port", str(self.media_port)]
        try:
            if self.media:
                node = shutil.which("node")
                if node is None:
                    raise StackError("the media plane needs Node.js (node) on PATH")
                self._spawn("media", [str(MEDIA_DIR / "src" / "main.js"), "--host", self.host,
                                      "--port", str(self.media_port), "--emulator", self.endpoint_url], program=node)
            self._spawn("endpoint", endpoint_args)
            # The services start now too: they import their dependencies while the endpoint
            # bootstraps, then wait for the outputs file it writes.
            for service, port in self.service_ports.items():
                args = ["-m", "telehealth_local.processes.serve", "--service", service, "--port", str(port),
                        "--host", self.host, "--outputs", str(self.outputs_path),
                        "--wait-outputs", str(self.startup_timeout)]
                if self.services_root:
                    args += ["--services-root", str(self.services_root)]
                self._spawn(service, args)
            if self.console_port:
                self._spawn("console", ["-m", "telehealth_local.processes.console_server", "--host", self.host,
                                        "--port", str(self.console_port), "--sessions", self.sessions_url,
                                        *[f"--service={s}={u}" for s, u in self.service_urls.items()]])
            self._wait_healthy(started + self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.outputs = load_outputs(self.outputs_path)
        self.elapsed = time.monotonic() - started
        return self.elapsed

    def _wait_healthy(self, deadline: float) -> None:
        pending = {"endpoint": f"{self.endpoint_url}/_local/health"}
        pending.update({s: f"{url}/health" for s, url in self.service_urls.items()})
        if self.media:
            pending["media"] = f"{self.media_url}/health"
        if self.console_url:
            pending["console"] = f"{self.console_url}/health"
        while pending:
            self.raise_if_died()
            for name, url in list(pending.items()):
                if http_ok(url, timeout=0.5):
                    pending.pop(name)
            if not pending:
                return
            if time.monotonic() > deadline:
                names = ", ".join(sorted(pending))
                details = "\n".join(f"--- {c.name} ---\n{c.tail()}" for c in self.children if c.name in pending)
                raise StackError(f"not healthy after {self.startup_timeout:.0f}s: {names}\n{details}".rstrip())
            time.sleep(0.05)

    def died(self) -> Child | None:
        """The first child that has exited, if any."""
        for child in self.children:
            if child.process.poll() is not None:
                return child
        return None

    def raise_if_died(self) -> None:
        child = self.died()
        if child is not None:
            tail = child.tail()
            raise StackError(f"{child.name} exited with code {child.process.returncode}"
                             + (f":\n{tail}" if tail else ""))

    def pids(self) -> dict[str, int]:
        return {child.name: child.pid for child in self.children}

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM every child's process group, then SIGKILL whatever is left."""
        children, self.children = self.children, []
        for child in children:
            signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in children:
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for child in children:
            # Also reaps group members whose leader already left (e.g. Lambda workers).
            signal_group(child.pid, signal.SIGKILL)
            if child.process.poll() is None:
                child.process.wait(5)
            if child.log_file is not None:
                child.log_file.close()

    def __enter__(self) -> "Stack":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def describe(stack: Stack) -> str:
    """The lines run.py prints once the stack is up."""
    lines = [f"  local AWS endpoint   {stack.endpoint_url}   (control API {stack.endpoint_url}/_local/health)",
             f"  messaging sessions   {stack.sessions_url}"]
    if stack.media_url:
        lines.append(f"  media plane          {stack.media_url}   (open {stack.media_url}/meeting/ in two browsers)")
    lines += [f"  {service:<20} {url}" for service, url in stack.service_urls.items()]
    if stack.console_url:
        lines.append(f"  web console          {stack.console_url}")
    lines.append(f"  settings             {stack.outputs_path}")
    if stack.outputs.get("TELEHEALTH_LOCAL_ADMIN_EMAIL"):
        lines.append(f"  clinic admin         {stack.outputs['TELEHEALTH_LOCAL_ADMIN_EMAIL']}"
                     f"   password {stack.outputs.get('TELEHEALTH_LOCAL_ADMIN_PASSWORD', '')}")
    return "\n".join(lines)

