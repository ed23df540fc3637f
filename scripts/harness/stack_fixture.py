"""Starts the local stack for tests (the endpoint alone, or with services) on free ports in a
temporary directory, and gives tests its URLs, settings, boto3 clients and control API.

    from stack_fixture import start_stack

    @pytest.fixture(scope="module")
    def stack():
        with start_stack(services=["identity"]) as running:
            yield running

Every process's output goes to a log file in the temporary directory; `stack.log(name)`
reads it, and a start-up failure quotes it.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

import requests

from telehealth_local.processes.helpers import PortInUse
from telehealth_local.processes.stack import Stack

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@contextlib.contextmanager
def serve_emulator(app: Callable[..., Any]) -> Iterator[str]:
    """`app` (an emulator, alone: no moto, no glue) on a free 127.0.0.1 port; yields its base URL."""
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            """Keeps werkzeug's per-request access log out of test output."""

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="emulator", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on right now (held open together so they are distinct)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_for(probe: Callable[[], T | None], timeout: float = 10.0, interval: float = 0.05,
             message: str = "condition") -> T:
    """Poll `probe` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {message}")
        time.sleep(interval)


def _child_environment() -> dict[str, str]:
    """The test process's environment minus anything that would point a child elsewhere.

    The test runner puts one service directory on PYTHONPATH for service suites; a child
    (another service, a Lambda worker) must only see its own.
    """
    env = {}
    services = (REPO_ROOT / "services").resolve()
    entries = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
               if p and not Path(p).resolve().is_relative_to(services)]
    env["PYTHONPATH"] = os.pathsep.join(entries)
    return env


class LocalStack:
    """A running local stack for tests."""

    def __init__(self, stack: Stack, workdir: Path):
        self._stack = stack
        self.workdir = workdir
        self._http = requests.Session()

    # -- addresses and settings ------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        return self._stack.endpoint_url

    @property
    def media_url(self) -> str | None:
        """The media plane (signaling, the meeting page) when started with media=True."""
        return self._stack.media_url

    @property
    def sessions_port(self) -> int:
        return self._stack.ws_port

    @property
    def settings(self) -> dict[str, str]:
        """The services' settings (the outputs file), e.g. settings["TELEHEALTH_USER_POOL_ID"]."""
        return dict(self._stack.outputs)

    @property
    def console_url(self) -> str | None:
        """The web console's origin (start_stack(console=True) only)."""
        return self._stack.console_url

    @property
    def urls(self) -> dict[str, str]:
        return self._stack.service_urls

    def url(self, service: str) -> str:
        return self._stack.service_urls[service]

    @property
    def outputs_path(self) -> Path:
        return self._stack.outputs_path

    def pids(self) -> dict[str, int]:
        return self._stack.pids()

    def environment(self) -> dict[str, str]:
        """Environment variables that point boto3 and telehealth_shared at this stack."""
        return dict(self._stack.outputs)

    @contextlib.contextmanager
    def environment_applied(self) -> Iterator[dict[str, str]]:
        """Temporarily put the stack's settings in os.environ (in-process service tests)."""
        saved = dict(os.environ)
        os.environ.update(self._stack.outputs)
        try:
            yield dict(self._stack.outputs)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    @contextlib.contextmanager
    def service_settings_applied(self) -> Iterator[dict[str, str]]:
        """The stack's settings in os.environ for a service imported in this process, with the
        shared package's caches (settings, AWS clients, token verifier) reset on the way in and
        out, so nothing built for another environment leaks across."""
        from telehealth_shared import auth, aws, config

        def reset() -> None:
            config.get_settings.cache_clear()
            aws.reset_default_clients()
            auth.set_default_verifier(None)

        with self.environment_applied() as env:
            reset()
            try:
                yield env
            finally:
                reset()

    def client(self, service_name: str, **config: Any) -> Any:
        """A boto3 client for this stack's endpoint (testing credentials, us-east-1)."""
        import boto3
        from botocore.config import Config

        options = {"retries": {"mode": "standard", "max_attempts": 2}, "connect_timeout": 5, "read_timeout": 30}
        options.update(config)
        return boto3.session.Session(**CREDENTIALS).client(
            service_name, endpoint_url=self.endpoint_url, config=Config(**options))

    def log(self, name: str = "endpoint") -> str:
        path = self.workdir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    # -- control API -----------------------------------------------------------------
    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self._http.request(method, f"{self.endpoint_url}/_local/{path.lstrip('/')}", **kwargs)

    def _get(self, path: str) -> Any:
        response = self.control("GET", path)
        response.raise_for_status()
        return response.json()

    def health(self) -> dict[str, Any]:
        return self._get("health")

    def sms(self) -> list[dict[str, Any]]:
        return self._get("outbox/sms")["messages"]

    def emails(self) -> list[dict[str, Any]]:
        return self._get("outbox/email")["messages"]

    def clear_outbox(self) -> None:
        self.control("DELETE", "outbox").raise_for_status()

    def calls(self) -> list[dict[str, Any]]:
        return self._get("calls")["calls"]

    def call(self, transaction_id: str) -> dict[str, Any]:
        return self._get(f"calls/{transaction_id}")

    def answer(self, transaction_id: str) -> requests.Response:
        return self.control("POST", f"calls/{transaction_id}/answer")

    def digits(self, transaction_id: str, digits: str) -> requests.Response:
        return self.control("POST", f"calls/{transaction_id}/digits", json={"digits": digits})

    def hangup(self, transaction_id: str) -> requests.Response:
        return self.control("POST", f"calls/{transaction_id}/hangup")

    def wait_for_email(self, to: str, timeout: float = 10.0, after: int = 0) -> dict[str, Any]:
        """The first e-mail to `to` (beyond the first `after` ones) once it arrives."""
        def probe() -> dict[str, Any] | None:
            matching = [m for m in self.emails() if m["to"] == to]
            return matching[after] if len(matching) > after else None
        return wait_for(probe, timeout, message=f"an e-mail to {to}")

    def confirmation_code(self, to: str, timeout: float = 10.0) -> str:
        """The code of the latest confirmation e-mail sent to `to`."""
        wait_for(lambda: [m for m in self.emails() if m["to"] == to and m.get("code")], timeout,
                 message=f"a confirmation code for {to}")
        return [m for m in self.emails() if m["to"] == to and m.get("code")][-1]["code"]

    def wait_for_sms(self, to: str, timeout: float = 10.0, count: int = 1) -> list[dict[str, Any]]:
        def probe() -> list[dict[str, Any]] | None:
            matching = [m for m in self.sms() if m["to"] == to]
            return matching if len(matching) >= count else None
        return wait_for(probe, timeout, message=f"{count} SMS to {to}")

    def wait_for_call(self, to: str, timeout: float = 10.0) -> dict[str, Any]:
        return wait_for(lambda: next((c for c in self.calls() if c["to"] == to), None), timeout,
                        message=f"a call to {to}")

    def stop(self) -> None:
        self._http.close()
        self._stack.stop()


# What the roles of every stack this process started were allowed and refused (the endpoint's
# record, taken as each stack stops); the end-to-end suite's grants check reads it.
IAM_USAGE: list[dict[str, Any]] = []


@contextlib.contextmanager
def start_stack(services: Sequence[str] = (), *, services_root: Path | str | None = None, prewarm: bool = True,
                startup_timeout: float = 60.0, env: dict[str, str] | None = None,
                keep_workdir: bool = False, media: bool = False, console: bool = False) -> Iterator[LocalStack]:
    """Start the endpoint (and `services`) on free ports; stop everything on exit.

    `services_root` points the Lambda workers and services at another directory of
    <service>/app.py (the local stack's own tests use tests/local/fixtures/services).
    `media` also starts the media plane (infra/local/media; the browser suite needs it).
    """
    workdir = Path(tempfile.mkdtemp(prefix="telehealth-stack-"))
    child_env = _child_environment()
    # Stand-in services (tests/local/fixtures/services) test the runtime, not IAM: their roles
    # get the policies next to them (tests/local/fixtures/policies) instead of the real ones.
    fixture_policies = Path(services_root).parent / "policies" if services_root else None
    if fixture_policies is not None and fixture_policies.is_dir():
        child_env["TELEHEALTH_LOCAL_POLICIES_DIR"] = str(fixture_policies)
    child_env.update(env or {})
    attempts = 3
    stack = None
    try:
        for attempt in range(attempts):
            ports = free_ports(4 + len(services))
            stack = Stack(services=list(services), endpoint_port=ports[0], ws_port=ports[1],
                          service_ports=dict(zip(services, ports[4:])), base_dir=workdir,
                          services_root=services_root, log_dir=workdir / "logs", env=dict(child_env),
                          startup_timeout=startup_timeout, prewarm=prewarm, media=media, media_port=ports[2],
                          console_port=ports[3] if console else None)
            try:
                stack.start()
                break
            except PortInUse:
                # Another process took one of the free ports between probing and binding.
                if attempt == attempts - 1:
                    raise
        assert stack is not None
        running = LocalStack(stack, workdir)
        try:
            yield running
        finally:
            if stack.died() is None:
                IAM_USAGE.extend(running.control("GET", "iam/usage").json()["usage"])
            running.stop()
    finally:
        if stack is not None:
            stack.stop()
        if not keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
