"""Renders a backend's result dict and AwsServiceErrors as the REST-JSON (or JSON 1.0) responses the model describes.

Only modelled members are written; timestamps become epoch seconds (JSON numbers) unless the
shape says iso8601; blobs become base64; `location: header` members become headers and a
payload member becomes the whole body. Error bodies take their members from the service's
exception shape ({"Code", "Message"} for Chime, plus "RequestId" for meetings,
{"__type", "Message", "Reason", ...} for End User Messaging SMS) and always carry the
x-amzn-ErrorType header.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from ..errors import AwsServiceError
from . import timestamps

log = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json"


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body


def render_output(operation: OperationModel, result: dict[str, Any] | None, request_id: str) -> Response:
    status = operation.http.get("responseCode", 200)
    headers = {"x-amzn-RequestId": request_id}
    shape = operation.output_shape
    result = result or {}
    if shape is None:
        _warn_unmodelled(operation.name, result, set())
        return _finish(status, headers, None)
    payload_name = shape.serialization.get("payload")
    body: dict[str, Any] = {}
    payload: Any = None
    _warn_unmodelled(operation.name, result, set(shape.members))
    for name, member in shape.members.items():
        value = result.get(name)
        if value is None:
            continue
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "header":
            headers[wire_name] = _header_text(member, value)
        elif location == "headers":
            for key, item in value.items():
                headers[wire_name + key] = str(item)
        elif location == "statusCode":
            status = int(value)
        elif name == payload_name:
            payload = value
        else:
            body[wire_name] = to_json(member, value, name)
    if payload_name:
        member = shape.members[payload_name]
        if payload is None:
            return _finish(status, headers, None)
        if member.type_name == "blob":
            return _finish(status, headers, payload if isinstance(payload, bytes) else str(payload).encode())
        return _finish(status, headers, to_json(member, payload, payload_name))
    return _finish(status, headers, body)


def _finish(status: int, headers: dict[str, str], body: Any) -> Response:
    if status == 204 or body is None:
        if status != 204:
            headers["Content-Type"] = JSON_CONTENT_TYPE
            return Response(status, headers, b"{}")
        return Response(status, headers, b"")
    if isinstance(body, bytes):
        headers.setdefault("Content-Type", "application/octet-stream")
        return Response(status, headers, body)
    headers["Content-Type"] = JSON_CONTENT_TYPE
    return Response(status, headers, json.dumps(body, separators=(",", ":")).encode("utf-8"))


def _warn_unmodelled(operation: str, result: dict[str, Any], known: set[str]) -> None:
    extra = sorted(set(result) - known)
    if extra:
        # Names only: values may be PHI.
        log.warning("%s: backend returned unmodelled members %s (dropped)", operation, extra)


def to_json(shape: Shape, value: Any, path: str = "") -> Any:
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            item = value.get(name)
            if item is not None:
                out[member.serialization.get("name", name)] = to_json(member, item, f"{path}.{name}")
        return out
    if kind == "list":
        return [to_json(shape.member, item, path) for item in value]
    if kind == "map":
        return {key: to_json(shape.value, item, path) for key, item in value.items()}
    if kind == "timestamp":
        return _timestamp(shape, value, default="unixTimestamp")
    if kind == "blob":
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
        return base64.b64encode(raw).decode("ascii")
    if kind == "string" and not shape.serialization.get("jsonvalue"):
        return str(value)
    return value


def _timestamp(shape: Shape, value: Any, default: str) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = dt.datetime.fromtimestamp(value, timestamps.UTC)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"timestamp member got {type(value).__name__}")
    fmt = shape.serialization.get("timestampFormat") or default
    if fmt == "iso8601":
        return timestamps.iso8601(value)
    if fmt == "rfc822":
        return timestamps.rfc822(value)
    return timestamps.epoch_seconds(value)


def _header_text(shape: Shape, value: Any) -> str:
    if shape.type_name == "timestamp":
        return str(_timestamp(shape, value, default="rfc822"))
    if shape.type_name == "boolean":
        return "true" if value else "false"
    if shape.type_name == "list":
        return ",".join(str(item) for item in value)
    if shape.serialization.get("jsonvalue"):
        return base64.b64encode(json.dumps(value).encode()).decode()
    return str(value)


def render_error(model: ServiceModel | None, error: AwsServiceError, request_id: str) -> Response:
    error = _as_modelled(model, error)
    template = _error_members(model, error.error_type)
    body: dict[str, Any] = {}
    if model is not None and model.protocol == "json":
        # JSON 1.0/1.1 services name the error in the body; botocore reads __type first.
        body["__type"] = error.error_type
    for member in template:
        if member == "Code":
            body["Code"] = error.code
        elif member == "Message":
            body["Message"] = error.message
        elif member in ("RequestId", "RequestID"):
            body[member] = request_id
        elif error.fields.get(member) is not None:
            body[member] = error.fields[member]
    headers = {
        "x-amzn-RequestId": request_id,
        "x-amzn-ErrorType": error.error_type,
        "Content-Type": JSON_CONTENT_TYPE,
    }
    return Response(error.status, headers, json.dumps(body).encode("utf-8"))


def _as_modelled(model: ServiceModel | None, error: AwsServiceError) -> AwsServiceError:
    """The framework's BadRequestException as the service's own 400 where it has no such shape
    (End User Messaging SMS answers bad input with ValidationException, Reason FIELD_VALIDATION_FAILED)."""
    if model is None or error.error_type != "BadRequestException":
        return error
    names = {shape.name for shape in model.error_shapes}
    if "BadRequestException" in names or "ValidationException" not in names:
        return error
    return AwsServiceError("ValidationException", error.message, 400, "ValidationException",
                           {"Reason": "FIELD_VALIDATION_FAILED", **error.fields})


def _error_members(model: ServiceModel | None, error_type: str) -> list[str]:
    """Body members for this error: its exception shape's, else the BadRequestException's.

    Shapes without members (Chime SDK voice) fall back to {"Code", "Message"}, which is what
    the real service sends.
    """
    if model is None:
        return ["Code", "Message"]
    shapes = {shape.name: shape for shape in model.error_shapes}
    for name in (error_type, "BadRequestException"):
        shape = shapes.get(name)
        if shape is not None and shape.members:
            return list(shape.members)
    return ["Code", "Message"]
