"""The local AWS endpoint: one threaded WSGI server that routes /_local/* to the control API,
Cognito's code-and-trigger operations to the Cognito glue, the two Step Functions operations
moto lacks to stepfunctions_gaps, Chime SDK and End User Messaging SMS requests to
our emulator and everything else to moto, all in this process, so that moto's Lambda
invocations (made by Step Functions) reach our Lambda workers; plus the messaging-session
websocket server, the resources bootstrap and the outputs file.

    python -m telehealth_local.processes.endpoint --port 4566 --ws-port 4567 --outputs PATH
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from werkzeug.serving import make_server

from ..bootstrap.resources import Bootstrap
from ..bootstrap.roles import ROLE_SESSION_SECONDS
from ..control import media_link
from ..glue.lambda_service.moto_hook import install_moto_hook
from ..layout import ENDPOINT_PORT, LAMBDA_SERVICES, OUTPUTS_FILE, PHONE_NUMBER, SESSIONS_PORT
from ..moto import fixes as moto_fixes
from ..moto.app import configure_moto, request_handler_class
from ..outputs import role_credentials_path, service_environment, write_outputs
from ..wiring import EndpointParts, EndpointSettings, build_endpoint
from .helpers import PortInUse, die_with_parent, ensure_port_free

logger = logging.getLogger("telehealth_local.endpoint")

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Deferred:
    """The server's WSGI app, set once the port is bound and moto configured for it."""

    target: Wsgi | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.target is None:
            raise RuntimeError("the endpoint serves requests only after start-up")
        return self.target(environ, start_response)


class Endpoint:
    """Runs the parts wiring.build_endpoint built: start() returns once bootstrap is done and
    /_local/health says ok; stop() stops everything it started."""

    def __init__(self, parts: EndpointParts):
        self.parts = parts
        settings = parts.settings
        self.host = settings.host
        self.port = settings.port
        self.ws_port = settings.ws_port
        self.outputs_path = settings.outputs_path
        self.invoker = parts.invoker
        self._server: Any = None
        self._serve_thread: threading.Thread | None = None
        self._sessions_started = False
        self._media_notifier: Any = None
        self._stopping = threading.Event()
        self._bootstrap: Bootstrap | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def outputs(self) -> dict[str, str] | None:
        return self.parts.state.outputs

    def start(self) -> None:
        started = time.monotonic()
        settings = self.parts.settings
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
        router.target = self.parts.app
        self._serve_thread = threading.Thread(target=self._server.serve_forever, name="endpoint-http", daemon=True)
        self._serve_thread.start()
        self._start_sessions()
        if settings.media_port:
            self._media_notifier = media_link.connect(self.parts.emulator.meetings, self.host, settings.media_port)
        self._bootstrap = Bootstrap(self.url, stage=settings.stage, services_root=self.invoker.services_root,
                                    phone_number=settings.phone_number)
        outputs = self._bootstrap.run()
        self._issue_role_credentials()
        self.invoker.set_settings(outputs)
        if self.outputs_path:
            write_outputs(self.outputs_path, outputs)
        self.parts.state.outputs = outputs
        self._refresher = threading.Thread(target=self._refresh_role_credentials, name="role-credentials",
                                           daemon=True)
        self._refresher.start()
        self.parts.state.ready.set()
        if settings.prewarm:
            self.invoker.prewarm(list(LAMBDA_SERVICES))
        logger.info("endpoint ready in %.1fs", time.monotonic() - started)

    def _issue_role_credentials(self) -> None:
        """Each service's processes run as its role: AssumeRole here, handed over as AWS_* variables.

        Written before the outputs file, which the service processes wait for."""
        if self._bootstrap is None:
            raise RuntimeError("role credentials are issued only after the bootstrap ran")
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
        # The emulated messaging service names the session server in GetMessagingSessionEndpoint.
        try:
            self.parts.sessions.start()
        except OSError as exc:
            raise PortInUse(self.host, self.ws_port, "messaging sessions") from exc
        self._sessions_started = True
        self.ws_port = self.parts.sessions.port
        self.parts.emulator.set_session_endpoint(f"{self.host}:{self.ws_port}")

    def stop(self) -> None:
        self._stopping.set()
        self.parts.state.ready.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._sessions_started:
            self.parts.sessions.stop()
            self._sessions_started = False
        if self._media_notifier is not None:
            self._media_notifier.close()
            self._media_notifier = None
        self.invoker.close()


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m telehealth_local.processes.endpoint", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=ENDPOINT_PORT, help=f"local AWS endpoint port (default {ENDPOINT_PORT})")
    parser.add_argument("--ws-port", type=int, default=SESSIONS_PORT,
                        help=f"messaging-session websocket port (default {SESSIONS_PORT}; 0 = any free port)")
    parser.add_argument("--outputs", default=str(OUTPUTS_FILE), help="where to write the stack's settings JSON")
    parser.add_argument("--services-root", default=None,
                        help="directory holding <service>/app.py for the Lambda workers (default: services/)")
    parser.add_argument("--stage", default="local")
    parser.add_argument("--phone-number", default=PHONE_NUMBER,
                        help="the stack's phone number (SMS origination and caller id)")
    parser.add_argument("--media-port", type=int, default=None,
                        help="port of the local media plane (SignalingUrl of new meetings; default: none)")
    parser.add_argument("--no-prewarm", action="store_true", help="start Lambda workers on first use only")
    parser.add_argument("--verbose", action="store_true", help="log every request line")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
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
    endpoint = Endpoint(build_endpoint(EndpointSettings(
        host=args.host, port=args.port, ws_port=args.ws_port, outputs_path=Path(args.outputs) if args.outputs else None,
        services_root=Path(args.services_root) if args.services_root else None, stage=args.stage,
        phone_number=args.phone_number, prewarm=not args.no_prewarm, media_port=args.media_port)))
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
