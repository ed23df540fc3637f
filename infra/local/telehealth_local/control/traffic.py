"""Counts the AWS requests the endpoint serves, by service and operation, for cost benchmarks.

    GET    /_local/traffic  -> {"calls": {"dynamodb:PutItem": 12, "chime:POST /channels/*/messages": 4, ...}}
    DELETE /_local/traffic  -> counts back to zero

JSON-protocol operations are named by their X-Amz-Target; REST operations (the Chime SDK
services) by method and path with ids replaced by `*`.
"""
from __future__ import annotations

import json
import re
import threading
from collections import Counter
from typing import Any, Callable, Iterable

PATH = "/_local/traffic"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# Path segments that are ids or URL-encoded ARNs in the Chime SDK REST paths.
_ID_SEGMENT = re.compile(r"^(?:[0-9a-f-]{16,}|arn(?::|%3A).*|[A-Za-z0-9+/=_-]{24,})$", re.IGNORECASE)
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def operation_name(environ: dict[str, Any]) -> str:
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else "unsigned"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    # The raw path keeps an ARN's encoded slashes, so it stays one segment.
    raw = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")).split("?", 1)[0]
    path = "/".join("*" if _ID_SEGMENT.match(part) else part for part in raw.split("/"))
    return f"{service}:{environ.get('REQUEST_METHOD', 'GET')} {path}"


class TrafficCounter:
    """WSGI middleware: counts every non-control request, then passes it on."""

    def __init__(self, app: Wsgi):
        self.app = app
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PATH:
            method = environ.get("REQUEST_METHOD", "GET")
            if method == "DELETE":
                with self._lock:
                    self._calls.clear()
            with self._lock:
                payload = json.dumps({"calls": dict(self._calls)}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        if not path.startswith("/_local") and environ.get("HTTP_UPGRADE", "").lower() != "websocket":
            name = operation_name(environ)
            with self._lock:
                self._calls[name] += 1
        return self.app(environ, start_response)
