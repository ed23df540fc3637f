"""Turns moto's "not implemented" answers (a NotImplementedError, or Flask's HTML 404 for a REST path it
has no route for) into a 501 that names the service and the operation, in the service's own error shape."""
from __future__ import annotations

import functools
import json
import re
import uuid
from typing import Any, Callable, Iterable
from html import escape

from ..emulator.core.request import credential_scope, raw_target
from ..emulator.core.routing import RouteTable, parse_query

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Signing names whose botocore service is named differently.
_SERVICE_FOR_SIGNING = {"states": "stepfunctions", "monitoring": "cloudwatch", "mobiletargeting": "pinpoint",
                        "email": "ses", "execute-api": "apigateway"}
_MOTO_ACTION = re.compile(r"The (\w+) action has not been implemented")


def message(service: str, operation: str) -> str:
    return f"The local stack does not implement {service} {operation} (see docs/local-stack.md)."


@functools.lru_cache(maxsize=None)
def _model(service: str) -> Any:
    from ..emulator.core.service_models import service_model

    try:
        return service_model(service)
    except Exception:  # an unknown name: botocore raises UnknownServiceError
        return None


def _service(environ: dict[str, Any]) -> str:
    scope = credential_scope(environ)
    signing = scope.service if scope else "unknown"
    return _SERVICE_FOR_SIGNING.get(signing, signing)


def _operation(service: str, environ: dict[str, Any], body: bytes, action: str | None) -> str:
    """The botocore operation name: from moto's snake_case action, X-Amz-Target, Action=, or the REST path."""
    model = _model(service)
    names = list(model.operation_names) if model is not None else []
    if action:
        from botocore import xform_name

        return next((name for name in names if xform_name(name) == action), action)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if "." in target:
        return target.rsplit(".", 1)[1]
    query = parse_query(environ.get("QUERY_STRING", ""))
    if body and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        query.update(parse_query(body.decode("utf-8", "replace")))
    if query.get("Action"):
        return query["Action"][-1]
    if model is not None and model.protocol.startswith("rest"):
        raw_path, raw_query = raw_target(environ)
        found = _routes(service).candidates(str(environ.get("REQUEST_METHOD", "GET")), raw_path, parse_query(raw_query))
        if found:
            return found[0][0].operation
    return "(unknown operation)"


@functools.lru_cache(maxsize=None)
def _routes(service: str) -> RouteTable:
    return RouteTable([service])


def answer(environ: dict[str, Any], start_response: Callable[..., Any], body: bytes,
           action: str | None = None) -> list[bytes]:
    """The 501 for an operation the local stack does not serve, rendered for the service's protocol."""
    service = _service(environ)
    operation = _operation(service, environ, body, action)
    text = message(service, operation)
    model = _model(service)
    protocol = model.protocol if model is not None else "json"
    request_id = str(uuid.uuid4())
    if protocol in ("query", "ec2", "rest-xml"):
        error = f"<Error><Type>Sender</Type><Code>NotImplemented</Code><Message>{escape(text, quote=False)}</Message></Error>"
        payload = (f"<ErrorResponse>{error}<RequestId>{request_id}</RequestId></ErrorResponse>"
                   if protocol != "rest-xml" else error.replace("<Type>Sender</Type>", ""))
        content_type, data = "text/xml", payload.encode()
    else:
        content_type = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
        data = json.dumps({"__type": "NotImplementedException", "message": text}).encode()
    start_response("501 Not Implemented", [("Content-Type", content_type), ("Content-Length", str(len(data))),
                                           ("x-amzn-ErrorType", "NotImplementedException"),
                                           ("x-amzn-RequestId", request_id)])
    return [data]


def not_implemented_action(exc: NotImplementedError) -> str | None:
    """moto's snake_case action from its NotImplementedError, if the error is moto's "not implemented"."""
    found = _MOTO_ACTION.search(str(exc))
    return found.group(1) if found else None


class MotoGaps:
    """Wraps moto's WSGI app: its "not implemented" answers become 501s naming service and operation."""

    def __init__(self, moto: Wsgi):
        self.moto = moto

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        import io

        body = _read(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return lambda chunk: None

        try:
            chunks = list(self.moto(environ, capture))
        except NotImplementedError as exc:
            return answer(environ, start_response, body, not_implemented_action(exc))
        status = captured.get("status", "500")
        content_type = next((v for k, v in captured.get("headers", []) if k.lower() == "content-type"), "")
        if status.startswith("404") and content_type.startswith("text/html"):
            # Flask's own page: no moto route matched the path, i.e. an operation moto lacks.
            return answer(environ, start_response, body)
        start_response(status, captured.get("headers", []), captured.get("exc_info"))
        return chunks


def _read(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0:
        return stream.read(length)
    if environ.get("wsgi.input_terminated"):
        return stream.read()
    return b""
