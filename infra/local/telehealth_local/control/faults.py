"""Fault injection for load runs: a share of AWS requests answered with throttling or 5xx.

    POST   /_local/faults {"rate": 0.1, "kinds": ["throttle", "unavailable"], "seed": 7,
                           "operations": ["cognito-idp:AdminUpdateUserAttributes"]}  (optional: only these)
    GET    /_local/faults            -> the settings and how many faults were injected
    DELETE /_local/faults            -> off

A fault is answered before the request reaches moto or the emulator, so a retried request is
never applied twice: what it tests is that callers retry, give up cleanly (429/503) and leave
nothing half-done. Query-protocol services (IAM, STS) and the control API are never faulted.
"""
from __future__ import annotations

import json
import random
import threading
from typing import Any, Callable, Iterable

from .traffic import operation_name

PATH = "/_local/faults"
KINDS = ("throttle", "unavailable")
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class FaultInjector:
    """WSGI middleware in front of the endpoint's router."""

    def __init__(self, app: Wsgi):
        self.app = app
        self._lock = threading.Lock()
        self._rate = 0.0
        self._kinds: tuple[str, ...] = KINDS
        # Named as /_local/traffic names them; empty means every operation.
        self._operations: frozenset[str] = frozenset()
        self._random = random.Random()  # nosec B311: picks test faults, nothing secret
        self._injected = {kind: 0 for kind in KINDS}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PATH:
            return self._control(environ, start_response)
        kind = self._pick(environ)
        if kind is None:
            return self.app(environ, start_response)
        return _fault(kind, "X-Amz-Target" in _headers(environ), start_response)

    def _pick(self, environ: dict[str, Any]) -> str | None:
        if self._rate <= 0 or environ.get("PATH_INFO", "").startswith("/_local"):
            return None
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            return None
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            return None
        if self._operations and operation_name(environ) not in self._operations:
            return None
        with self._lock:
            if self._random.random() >= self._rate:
                return None
            kind = self._random.choice(self._kinds)
            self._injected[kind] += 1
            return kind

    def _control(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "DELETE":
            with self._lock:
                self._rate, self._operations = 0.0, frozenset()
        elif method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(min(length, 4096)) or b"{}")
                rate = float(body.get("rate", 0))
                kinds = tuple(body.get("kinds") or KINDS)
                operations = body.get("operations") or []
                if not 0 <= rate <= 1 or not kinds or any(kind not in KINDS for kind in kinds):
                    raise ValueError
                if not isinstance(operations, list) or not all(isinstance(o, str) and ":" in o for o in operations):
                    raise ValueError
            except (ValueError, TypeError, AttributeError):
                return _respond(start_response, 400, {"error": {
                    "code": "ValidationError",
                    "message": f"rate must be between 0 and 1, kinds a list of {', '.join(KINDS)} and operations "
                               "a list of service:operation names."}})
            with self._lock:
                self._rate, self._kinds, self._operations = rate, kinds, frozenset(operations)
                self._injected = {kind: 0 for kind in KINDS}
                if "seed" in body:
                    self._random.seed(body["seed"])
        elif method != "GET":
            return _respond(start_response, 405, {"error": {"code": "MethodNotAllowed", "message": "GET, POST or DELETE."}})
        with self._lock:
            state = {"rate": self._rate, "kinds": list(self._kinds), "operations": sorted(self._operations),
                     "injected": dict(self._injected)}
        return _respond(start_response, 200, state)


def _headers(environ: dict[str, Any]) -> set[str]:
    return {key[5:].replace("_", "-").title() for key in environ if key.startswith("HTTP_")}


def _fault(kind: str, json_protocol: bool, start_response: Callable[..., Any]) -> Iterable[bytes]:
    # The shapes botocore parses for each protocol: JSON 1.0/1.1 services read __type, REST
    # services (Chime) read the x-amzn-ErrorType header.
    if kind == "throttle":
        status, code = (400, "ThrottlingException") if json_protocol else (429, "ThrottledClientException")
    else:
        status, code = 503, "ServiceUnavailableException" if not json_protocol else "ServiceUnavailable"
    message = "Injected by the local stack's fault injection (/_local/faults)."
    body = {"__type": code, "message": message} if json_protocol else {"Code": code, "Message": message}
    return _respond(start_response, status, body, {"x-amzn-ErrorType": code})


def _respond(start_response: Callable[..., Any], status: int, body: Any,
             headers: dict[str, str] | None = None) -> Iterable[bytes]:
    payload = json.dumps(body).encode()
    reasons = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed", 429: "Too Many Requests",
               503: "Service Unavailable"}
    start_response(f"{status} {reasons[status]}", [("Content-Type", "application/json"),
                                                   ("Content-Length", str(len(payload))),
                                                   *(headers or {}).items()])
    return [payload]
