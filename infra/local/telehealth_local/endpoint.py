"""The local AWS endpoint: one threaded WSGI server that routes /_local/* to the control API,
Cognito's code-and-trigger operations to the Cognito glue, the two Step Functions operations
moto lacks to stepfunctions_gaps, Chime SDK and End User Messaging SMS requests to
our emulator and everything else to moto, all in this process, so that moto's Lambda
invocations (made by Step Functions) reach our Lambda workers; plus the messaging-session
websocket server, the resources bootstrap and the outputs file.

    python -m telehealth_local.endpoint --port 4566 --ws-port 4567 --outputs PATH
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from .bootstrap import DEFAULT_PHONE_NUMBER, REPO_ROOT, Bootstrap, role_credentials_path, service_environment, write_outputs
from .bootstrap_roles import ROLE_SESSION_SECONDS
from . import moto_fixes, stepfunctions_gaps
from .apigateway_glue import ApiGatewayGlue
from .cognito_glue import CognitoGlue
from .control_api import ControlApi, is_control_request
from .faults import FaultInjector
from .iam_enforcement import IamEnforcer
from .traffic import TrafficCounter
from .lambda_runtime import ProcessLambdaInvoker, install_moto_hook
from .moto_app import configure_moto, make_moto_app, request_handler_class
from .unimplemented import MotoGaps

logger = logging.getLogger("telehealth_local.endpoint")

DEFAULT_PORT = 4566
DEFAULT_WS_PORT = 4567
DEFAULT_OUTPUTS = REPO_ROOT / ".local-stack" / "outputs.json"
LAMBDA_SERVICES = ("identity", "scheduling", "calling")

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


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


class Router:
    """Sends each request to the one application that answers it."""

    def __init__(self, control: Wsgi, glue: CognitoGlue, is_emulated: Callable[[dict[str, Any]], bool],
                 emulator: Wsgi, moto: Wsgi, iam: IamEnforcer | None = None,
                 apigateway: ApiGatewayGlue | None = None):
        self.iam = iam
        self.control = control
        self.glue = glue
        self.apigateway = apigateway
        self.is_emulated = is_emulated
        self.emulator = emulator
        self.moto = moto

    def route(self, environ: dict[str, Any]) -> tuple[str, Wsgi]:
        if is_control_request(environ):
            return "control", self.control
        if self.glue.handles(environ):
            return "cognito-glue", self.glue
        if stepfunctions_gaps.handles(environ):
            return "stepfunctions-gaps", stepfunctions_gaps.app
        if self.apigateway is not None and self.apigateway.handles(environ):
            return "apigateway-glue", self.apigateway
        if self.is_emulated(environ):
            return "emulator", self.emulator
        return "moto", self.moto

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        name, app = self.route(environ)
        try:
            # Stage URLs are the deployed API's own (unsigned) HTTP requests, not AWS API calls.
            if self.iam is not None and name not in ("control", "apigateway-glue"):
                refusal = self.iam.check(environ)
                if refusal is not None:
                    return refusal(environ, start_response)
            return app(environ, start_response)
        except Exception as exc:  # answer like AWS's internal failure instead of an HTML page
            logger.exception("unhandled %s in %s for %s %s", type(exc).__name__, name,
                             environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            body = b'{"__type": "InternalFailure", "message": "The local stack failed to handle the request."}'
            start_response("500 Internal Server Error", [
                ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                ("x-amzn-ErrorType", "InternalFailure")], sys.exc_info())
            return [body]


class _Deferred:
    """The server's WSGI app, set once the port is bound and moto configured for it."""

    target: Wsgi | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.target is None:
            raise RuntimeError("the endpoint serves requests only after start-up")
        return self.target(environ, start_response)


def _deployed_functions(outputs_path: Path | None, stage: str) -> Any:
    """Runs what `chalice deploy` put in Lambda for other stages (scripts/deploy.py --local)."""
    import tempfile

    from .deployed_functions import DeployedCode, DeployedFunctions

    base = (outputs_path.parent if outputs_path else Path(tempfile.mkdtemp(prefix="telehealth-local-")))
    return DeployedFunctions(DeployedCode(base / "lambda-code", stage), os.environ)


def _build_emulator() -> Any:
    # The process's outbox and event hub: the Cognito glue and the control API use the same ones.
    from .emulator.app import build_emulator
    from .events import hub
    from .outbox import outbox

    return build_emulator(outbox=outbox, hub=hub)


class Endpoint:
    """Start with start() (returns once bootstrap is done and /_local/health says ok)."""

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, ws_port: int = DEFAULT_WS_PORT,
                 outputs_path: Path | str | None = DEFAULT_OUTPUTS, services_root: Path | str | None = None,
                 stage: str = "local", phone_number: str = DEFAULT_PHONE_NUMBER, prewarm: bool = True,
                 max_workers: int = 4, media_port: int | None = None):
        self.host = host
        self.port = port
        self.ws_port = ws_port
        self.outputs_path = Path(outputs_path) if outputs_path else None
        self.stage = stage
        self.phone_number = phone_number
        self.prewarm = prewarm
        self.invoker = ProcessLambdaInvoker(services_root, max_workers=max_workers, stage=stage,
                                            deployed=_deployed_functions(self.outputs_path, stage))
        self.iam = IamEnforcer()
        self.emulator = _build_emulator()
        self.outputs: dict[str, str] | None = None
        self._ready = threading.Event()
        self._server: Any = None
        self._serve_thread: threading.Thread | None = None
        self._sessions: Any = None
        self.media_port = media_port
        self._media_notifier: Any = None
        self._stopping = threading.Event()
        self._bootstrap: Bootstrap | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def ready(self) -> bool:
        return self._ready.is_set()

    def build_app(self) -> FaultInjector:
        emulator = self.emulator
        control = ControlApi(emulator, ready=self.ready, outputs=lambda: self.outputs, worker_pids=self.invoker.worker_pids,
                             iam_usage=self.iam.usage_records)
        # An operation moto lacks answers 501 naming it, like one the emulator lacks.
        moto = MotoGaps(make_moto_app())
        # Faults are answered before counting: a throttled request is never billed.
        return FaultInjector(TrafficCounter(Router(control, CognitoGlue(moto, self.invoker), emulator.is_emulated, emulator, moto,
                                                   self.iam, ApiGatewayGlue(moto, self.invoker))))

    def start(self) -> None:
        from werkzeug.serving import make_server

        started = time.monotonic()
        ensure_port_free(self.host, self.port, "local AWS endpoint")
        ensure_port_free(self.host, self.ws_port, "messaging sessions")
        router = _Deferred()
        try:
            self._server = make_server(self.host, self.port, router, threaded=True,
                                       request_handler=request_handler_class())
        except OSError as exc:
            raise PortInUse(self.host, self.port, "local AWS endpoint") from exc
        self.port = self._server.server_port
        # moto learns its own port only now (port 0 means "any free port").
        configure_moto(self.port)
        install_moto_hook(self.invoker)
        moto_fixes.install()
        self.invoker.deployed.set_endpoint(self.url)
        router.target = self.build_app()
        self._serve_thread = threading.Thread(target=self._server.serve_forever, name="endpoint-http", daemon=True)
        self._serve_thread.start()
        self._start_sessions()
        self._wire_call_simulator()
        if self.media_port:
            from . import media_link

            self._media_notifier = media_link.connect(self.emulator.meetings, self.host, self.media_port)
        self._bootstrap = Bootstrap(self.url, stage=self.stage, services_root=self.invoker.services_root,
                                    phone_number=self.phone_number)
        self.outputs = self._bootstrap.run()
        self._issue_role_credentials()
        self.invoker.set_settings(self.outputs)
        if self.outputs_path:
            write_outputs(self.outputs_path, self.outputs)
        self._refresher = threading.Thread(target=self._refresh_role_credentials, name="role-credentials",
                                           daemon=True)
        self._refresher.start()
        self._ready.set()
        if self.prewarm:
            self.invoker.prewarm(list(LAMBDA_SERVICES))
        logger.info("endpoint ready in %.1fs", time.monotonic() - started)

    def _issue_role_credentials(self) -> None:
        """Each service's processes run as its role: AssumeRole here, handed over as AWS_* variables.

        Written before the outputs file, which the service processes wait for."""
        credentials = self._bootstrap.assume_service_roles()
        if self.outputs_path:
            write_outputs(role_credentials_path(self.outputs_path), {
                service: json.dumps(values) for service, values in credentials.items()}, private=True)
        self.invoker.set_role_credentials(credentials)

    def _refresh_role_credentials(self) -> None:
        # Lambda environments get fresh credentials when they start, as on AWS; idle ones are
        # recycled. Service processes read theirs once at start-up (docs/local-stack.md).
        while not self._stopping.wait(ROLE_SESSION_SECONDS * 2 / 3):
            try:
                self._issue_role_credentials()
            except Exception:
                logger.exception("renewing the services' role credentials failed")

    def _start_sessions(self) -> None:
        # Integration with the messaging-session server (telehealth_local.sessions) and the
        # emulated messaging service, which must name it in GetMessagingSessionEndpoint.
        from .sessions import start_session_server

        try:
            self._sessions = start_session_server(self.host, self.ws_port, hub=self.emulator.hub,
                                                  user_exists=self.emulator.messaging.user_exists,
                                                  prefetch=self.emulator.messaging.prefetch,
                                                  authorize=self.iam.authorize)
        except OSError as exc:
            raise PortInUse(self.host, self.ws_port, "messaging sessions") from exc
        self.ws_port = self._sessions.port
        self.emulator.set_session_endpoint(f"{self.host}:{self.ws_port}")

    def _wire_call_simulator(self) -> None:
        # CreateSipMediaApplicationCall's simulated calls invoke the SMA handler through us.
        self.emulator.calls.configure(invoker=self.invoker)

    def stop(self) -> None:
        self._stopping.set()
        self._ready.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._sessions is not None:
            self._sessions.stop()
            self._sessions = None
        if self._media_notifier is not None:
            self._media_notifier.close()
            self._media_notifier = None
        self.invoker.close()


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m telehealth_local.endpoint", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="local AWS endpoint port (default 4566)")
    parser.add_argument("--ws-port", type=int, default=DEFAULT_WS_PORT,
                        help="messaging-session websocket port (default 4567; 0 = any free port)")
    parser.add_argument("--outputs", default=str(DEFAULT_OUTPUTS), help="where to write the stack's settings JSON")
    parser.add_argument("--services-root", default=None,
                        help="directory holding <service>/app.py for the Lambda workers (default: services/)")
    parser.add_argument("--stage", default="local")
    parser.add_argument("--phone-number", default=DEFAULT_PHONE_NUMBER,
                        help="the stack's phone number (SMS origination and caller id)")
    parser.add_argument("--media-port", type=int, default=None,
                        help="port of the local media plane (SignalingUrl of new meetings; default: none)")
    parser.add_argument("--no-prewarm", action="store_true", help="start Lambda workers on first use only")
    parser.add_argument("--verbose", action="store_true", help="log every request line")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    from .stack import die_with_parent

    die_with_parent()
    # The endpoint's own boto3 calls (bootstrap, moto's Step Functions) and its Lambda
    # workers must not pick up a developer's AWS profile or endpoint overrides.
    clean = service_environment({}, os.environ)
    os.environ.clear()
    os.environ.update(clean)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s endpoint %(levelname)s %(name)s: %(message)s")
    # Request lines carry ARNs and query strings; keep them out of the log unless asked.
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    # moto's Step Functions interpreter logs whole state trees and error causes (which can
    # carry user data) at ERROR for every failed task; executions report failures anyway.
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    endpoint = Endpoint(args.host, args.port, args.ws_port, args.outputs, args.services_root, args.stage,
                        args.phone_number, prewarm=not args.no_prewarm, media_port=args.media_port)
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = time.monotonic()
    try:
        endpoint.start()
    except PortInUse as exc:
        print(f"telehealth-local endpoint: {exc}", file=sys.stderr, flush=True)
        endpoint.stop()
        return 2
    except Exception:
        logger.exception("the endpoint failed to start")
        endpoint.stop()
        return 1
    print(f"local AWS endpoint on {endpoint.url} (messaging sessions ws://{endpoint.host}:{endpoint.ws_port}), "
          f"ready in {time.monotonic() - started:.1f}s", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        endpoint.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
