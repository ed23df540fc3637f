"""Serves the built web console (console/dist) on 127.0.0.1 with a strict Content-Security-Policy,
plus /config.json telling it where the services are.

    python -m telehealth_local.processes.console_server --port 8000 --dist console/dist \
        --service identity=http://127.0.0.1:8001 ... --sessions ws://127.0.0.1:4567
"""
from __future__ import annotations

import argparse
import json
import mimetypes
import signal
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..layout import CONSOLE_DIST, CONSOLE_PORT
from .helpers import die_with_parent



def content_security_policy(service_urls: dict[str, str], sessions_url: str) -> str:
    """Scripts only from the console itself; network only to the services, the messaging
    sessions and the meeting media the Chime SDK opens (the local media plane listens on
    127.0.0.1). Inline styles stay allowed: the Chime component library styles with them."""
    connect = ["'self'", *sorted(set(service_urls.values())), sessions_url,
               "ws://127.0.0.1:*", "wss://127.0.0.1:*", "http://127.0.0.1:*", "https://127.0.0.1:*"]
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:", "media-src 'self' blob: mediastream:", "font-src 'self' data:",
        "worker-src 'self' blob:", f"connect-src {' '.join(connect)}", "object-src 'none'",
        "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ])


def make_handler(dist: Path, config: dict[str, Any], csp: str) -> type:
    config_body = json.dumps(config).encode()
    root = dist.resolve()

    class ConsoleHandler(BaseHTTPRequestHandler):
        server_version = "telehealth-console"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(f"{self.command} {urlsplit(self.path).path} {args[1] if len(args) > 1 else ''}\n")

        def _send(self, status: int, body: bytes, content_type: str, cache: str = "no-store") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()")
            self.send_header("Cache-Control", cache)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/health":
                return self._send(200, b'{"status": "ok", "service": "console"}', "application/json")
            if path == "/config.json":
                return self._send(200, config_body, "application/json")
            target = (root / path.lstrip("/")).resolve()
            if target.is_relative_to(root) and target.is_file():
                kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                # Vite names assets by content hash: they never change under one name.
                cache = "public, max-age=31536000, immutable" if "/assets/" in path else "no-store"
                return self._send(200, target.read_bytes(), kind, cache)
            index = root / "index.html"
            if "." not in path.rsplit("/", 1)[-1] and index.is_file():
                return self._send(200, index.read_bytes(), "text/html; charset=utf-8")
            message = b"The console is not built: run make run (or make console)." if not index.is_file() else b"Not found."
            self._send(HTTPStatus.NOT_FOUND, message, "text/plain; charset=utf-8")

    return ConsoleHandler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m telehealth_local.processes.console_server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=CONSOLE_PORT)
    parser.add_argument("--dist", default=str(CONSOLE_DIST))
    parser.add_argument("--service", action="append", default=[], metavar="NAME=URL")
    parser.add_argument("--sessions", required=True, help="the messaging-session websocket base URL")
    args = parser.parse_args(argv)
    die_with_parent()
    services = dict(item.split("=", 1) for item in args.service)
    config = {"services": services}
    handler = make_handler(Path(args.dist), config, content_security_policy(services, args.sessions))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server = ThreadingHTTPServer((args.host, args.port), handler)
    except OSError as exc:
        print(f"console: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"web console on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
