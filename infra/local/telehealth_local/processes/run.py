"""Runs the whole system locally (what `make run` calls): the local AWS endpoint with its
messaging-session server and Lambda workers, then the four services; prints their URLs and
stops every child on Ctrl-C or SIGTERM.

    python -m telehealth_local.processes.run [--endpoint-port 4566] [--identity-port 8001] ...
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from ..layout import BASE_DIR, CONSOLE_PORT, ENDPOINT_PORT, MEDIA_PORT, SERVICE_PORTS, SERVICES, SESSIONS_PORT
from .helpers import PortInUse
from .stack import Stack, StackError, describe


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m telehealth_local.processes.run", description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-port", type=int, default=ENDPOINT_PORT, help=f"local AWS endpoint (default {ENDPOINT_PORT})")
    parser.add_argument("--ws-port", type=int, default=SESSIONS_PORT, help=f"messaging sessions (default {SESSIONS_PORT})")
    for service in SERVICES:
        parser.add_argument(f"--{service}-port", type=int, default=SERVICE_PORTS[service],
                            help=f"{service} service (default {SERVICE_PORTS[service]})")
    parser.add_argument("--services", default=",".join(SERVICES),
                        help="comma-separated services to run (default: all four)")
    parser.add_argument("--media-port", type=int, default=MEDIA_PORT,
                        help=f"media plane for browser meetings (default {MEDIA_PORT})")
    parser.add_argument("--no-media", action="store_true",
                        help="do not start the media plane (it starts when infra/local/media is installed)")
    parser.add_argument("--console-port", type=int, default=CONSOLE_PORT,
                        help=f"the web console (default {CONSOLE_PORT}; 0 = none)")
    parser.add_argument("--base-dir", default=str(BASE_DIR), help="where outputs.json (and logs) go")
    parser.add_argument("--services-root", default=None, help="directory holding <service>/app.py (default services/)")
    parser.add_argument("--log-dir", default=None, help="write each process's output to DIR/<name>.log instead of here")
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    return parser.parse_args(argv)


class _Interrupted(BaseException):
    """A signal arrived during start-up (Stack.start stops what it started, then re-raises)."""


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    services = [s.strip() for s in args.services.split(",") if s.strip()]
    try:
        stack = Stack(services=services, endpoint_port=args.endpoint_port, ws_port=args.ws_port,
                      service_ports={s: getattr(args, f"{s}_port") for s in SERVICES},
                      base_dir=args.base_dir, services_root=args.services_root, log_dir=args.log_dir,
                      startup_timeout=args.startup_timeout, media=False if args.no_media else None,
                      media_port=args.media_port, console_port=args.console_port or None)
    except ValueError as exc:
        print(f"telehealth local stack: {exc}", file=sys.stderr)
        return 2

    def interrupt(signum: int, _frame: Any) -> None:
        raise _Interrupted()

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    print("starting the telehealth local stack...", flush=True)
    try:
        stack.start()
    except PortInUse as exc:
        print(f"telehealth local stack: cannot start:\n{exc}", file=sys.stderr)
        return 2
    except StackError as exc:
        print(f"telehealth local stack: start-up failed: {exc}", file=sys.stderr)
        return 1
    except _Interrupted:
        print("telehealth local stack: interrupted during start-up; stopped", file=sys.stderr)
        return 130

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"telehealth local stack ready in {stack.elapsed:.1f}s\n{describe(stack)}\nPress Ctrl-C to stop.", flush=True)
    code = 0
    try:
        while not stop.wait(0.5):
            child = stack.died()
            if child is not None:
                print(f"telehealth local stack: {child.name} exited with code {child.process.returncode}; "
                      "stopping everything", file=sys.stderr, flush=True)
                code = 1
                break
    finally:
        stack.stop()
    print("telehealth local stack stopped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
