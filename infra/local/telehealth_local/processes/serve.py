"""Runs one service's Chalice app over HTTP on 127.0.0.1 (Chalice's threaded local server), with
the local stack's settings in its environment.

    python -m telehealth_local.processes.serve --service identity --port 8001 --outputs .local-stack/outputs.json

The settings come from the outputs file the endpoint writes after bootstrap; with
--wait-outputs the process imports its heavy dependencies first and then waits for that file,
so it can be started together with the endpoint. The Chalice stage's environment variables
(.chalice/config.json) are applied first and the stack's settings override them.
"""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from ..glue.lambda_service.chalice_config import chalice_function_config
from ..layout import SERVICES_ROOT
from ..outputs import load_outputs, load_role_credentials, service_environment
from .helpers import die_with_parent



def _preload() -> None:
    """Import what every service imports, while the endpoint is still bootstrapping."""
    for module in ("chalice.local", "boto3", "botocore.session", "pydantic", "jwt", "telehealth_shared.edge"):
        try:
            importlib.import_module(module)
        except ImportError:
            continue  # the service's own import reports what is really missing


def wait_for_outputs(path: Path, timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        if path.is_file():
            try:
                return load_outputs(path)
            except (OSError, ValueError):
                pass  # written atomically, so this is a stale or foreign file: keep waiting
        if time.monotonic() >= deadline:
            raise TimeoutError(f"no stack outputs at {path} after {timeout:.0f}s: is the endpoint running?")
        time.sleep(0.05)


def _request_handler(base: type) -> type:
    class QuietQueryHandler(base):  # type: ignore[misc,valid-type]
        """Chalice's handler, logging request lines without their query strings (they can
        carry names and e-mail prefixes)."""

        # The handler writes headers and body in separate sends; with Nagle's algorithm on,
        # the body waits for the client's delayed ACK and every response took ~40 ms longer.
        disable_nagle_algorithm = True

        def __getattr__(self, name: str) -> Any:
            # http.server answers methods without a do_X handler (TRACE, …) with an HTML 501;
            # Chalice's own dispatch answers 405 in the API's format, as API Gateway would.
            if name.startswith("do_"):
                return self._generic_handle
            raise AttributeError(name)

        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            path = self.path.split("?", 1)[0]
            sys.stderr.write(f"{self.command} {path} {code}\n")

    return QuietQueryHandler


def create_server(service_dir: Path, host: str, port: int, stage: str = "local") -> Any:
    """Import the service's app.py and build Chalice's local server for it (bound, not serving)."""
    from chalice.config import Config
    from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer, ThreadedHTTPServer

    class BacklogServer(ThreadedHTTPServer):
        # socketserver's backlog of 5 resets connections a burst of clients (a load run, a
        # browser's parallel requests) opens at once; API Gateway queues them instead.
        request_queue_size = 128

    os.chdir(service_dir)
    if str(service_dir) not in sys.path:
        sys.path.insert(0, str(service_dir))
    # vendor/ stays off the path (see lambda_worker._import_app): the shared package is
    # installed editable, and a stale packaging copy there would shadow it.
    app_obj = importlib.import_module("app").app
    config_from_disk = json.loads((service_dir / ".chalice" / "config.json").read_text())
    config = Config(chalice_stage=stage, user_provided_params={"chalice_app": app_obj},
                    config_from_disk=config_from_disk, default_params={"project_dir": str(service_dir)})
    # What chalice.local.create_local_server does, with our request handler.
    CustomLocalChalice.__bases__ = (LocalChalice, app_obj.__class__)
    app_obj.__class__ = CustomLocalChalice
    return LocalDevServer(app_obj, config, host, port, handler_cls=_request_handler(ChaliceRequestHandler),
                          server_cls=BacklogServer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m telehealth_local.processes.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--service", required=True, help="identity, scheduling, messaging or calling")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--outputs", required=True, help="the stack's outputs JSON written by the endpoint")
    parser.add_argument("--wait-outputs", type=float, default=0.0,
                        help="seconds to wait for the outputs file to appear (default: it must exist)")
    parser.add_argument("--services-root", default=None, help="directory holding <service>/app.py")
    parser.add_argument("--stage", default="local")
    args = parser.parse_args(argv)
    die_with_parent()
    services_root = Path(args.services_root or os.environ.get("TELEHEALTH_LOCAL_SERVICES_ROOT") or SERVICES_ROOT)
    service_dir = (services_root / args.service).resolve()
    if not (service_dir / "app.py").is_file():
        print(f"serve: no app.py for service {args.service!r} in {services_root}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.wait_outputs > 0:
        _preload()
    try:
        settings = wait_for_outputs(Path(args.outputs), args.wait_outputs)
    except TimeoutError as exc:
        print(f"serve {args.service}: {exc}", file=sys.stderr)
        return 1
    # Precedence: the inherited environment, then the Chalice stage's variables, then the
    # stack's settings (they name the resources this stack actually created).
    environment = service_environment({}, os.environ)
    environment.update(chalice_function_config(service_dir, args.stage, "")[1])
    environment.update(settings)
    # The service runs as its own role (temporary credentials the endpoint assumed), not root.
    try:
        environment.update(load_role_credentials(args.outputs, args.service))
    except (OSError, ValueError, KeyError) as exc:
        print(f"serve {args.service}: no role credentials next to {args.outputs}: {exc}", file=sys.stderr)
        return 1
    os.environ.clear()
    os.environ.update(environment)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    try:
        server = create_server(service_dir, args.host, args.port, args.stage)
    except OSError as exc:
        print(f"serve {args.service}: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{args.service} service on http://{args.host}:{args.port}", flush=True)
    try:
        server.server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
