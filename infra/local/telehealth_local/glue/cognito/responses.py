"""The Cognito wire format the glue answers in, and its way of passing a request on to moto."""
from __future__ import annotations

import io
import json
import uuid
from typing import Any, Callable, Iterable

from werkzeug.test import run_wsgi_app

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class CognitoError(Exception):
    def __init__(self, error_type: str, message: str, status: int = 400):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


def json_response(start_response: Callable[..., Any], status: int, body: dict[str, Any],
                   error_type: str | None = None) -> list[bytes]:
    data = json.dumps(body).encode("utf-8")
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data))),
               ("x-amzn-RequestId", str(uuid.uuid4()))]
    if error_type:
        headers.append(("x-amzn-ErrorType", f"{error_type}:"))
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}.get(status, "Error")
    start_response(f"{status} {reason}", headers)
    return [data]


def error_response(start_response: Callable[..., Any], error: CognitoError) -> list[bytes]:
    return json_response(start_response, error.status, {"__type": error.error_type, "message": error.message},
                          error.error_type)


class Forwarded:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def send(self, start_response: Callable[..., Any]) -> list[bytes]:
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(self.body))))
        start_response(f"{self.status} {'OK' if self.status == 200 else 'Error'}", headers)
        return [self.body]


def read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    data = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(data)
    return data


def forward(moto: Wsgi, environ: dict[str, Any], body: bytes) -> Forwarded:
    forwarded = dict(environ)
    forwarded["wsgi.input"] = io.BytesIO(body)
    forwarded["CONTENT_LENGTH"] = str(len(body))
    app_iter, status, headers = run_wsgi_app(moto, forwarded, buffered=True)
    try:
        data = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close:
            close()
    return Forwarded(int(status.split(" ", 1)[0]), list(headers.items()), data)
