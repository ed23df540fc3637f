"""Turns a REST-JSON request into an operation's input members (PascalCase), following the model.

Members come from uri labels, the query string, headers and the JSON body (or the raw body
for a payload member). Values are converted to Python types: timestamps to aware datetimes,
blobs from base64 to bytes, integers from query/header text. Wrong types raise the
service's BadRequest; constraints are checked afterwards by validation.py.
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Mapping

from botocore.model import OperationModel, Shape

from . import timestamps
from .errors import bad_request
from .request import EmulatedRequest


def parse_input(operation: OperationModel, request: EmulatedRequest, labels: Mapping[str, str]) -> dict[str, Any]:
    shape = operation.input_shape
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    query = request.query
    body_members: dict[str, Shape] = {}
    payload_name = shape.serialization.get("payload")
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            if wire_name in labels:
                params[name] = _from_text(member, labels[wire_name], name)
        elif location == "querystring":
            if member.type_name == "map":
                # A querystring map takes every parameter not bound to another member.
                bound = {m.serialization.get("name", n) for n, m in shape.members.items()
                         if m.serialization.get("location") == "querystring" and m is not member}
                rest = {k: v for k, v in query.items() if k not in bound}
                if rest:
                    params[name] = {k: (v if member.value.type_name == "list" else v[-1]) for k, v in rest.items()}
            elif wire_name in query:
                values = query[wire_name]
                if member.type_name == "list":
                    params[name] = [_from_text(member.member, v, name) for v in values]
                else:
                    params[name] = _from_text(member, values[-1], name)
        elif location == "header":
            value = request.headers.get(wire_name.lower())
            if value is not None:
                if member.type_name == "list":
                    params[name] = [_from_text(member.member, v.strip(), name) for v in value.split(",")]
                else:
                    params[name] = _from_text(member, value, name)
        elif location == "headers":
            prefix = wire_name.lower()
            found = {k[len(prefix):]: v for k, v in request.headers.items() if k.startswith(prefix)}
            if found:
                params[name] = found
        elif location == "statusCode":
            continue
        elif name == payload_name:
            continue
        else:
            body_members[name] = member
    if payload_name:
        member = shape.members[payload_name]
        if member.type_name in ("blob", "string"):
            if request.body:
                params[payload_name] = request.body if member.type_name == "blob" else request.body.decode("utf-8", "replace")
        else:
            document = _json_body(request)
            if document is not None:
                params[payload_name] = _from_json(member, document, payload_name)
    elif body_members:
        document = _json_body(request)
        if document is not None:
            if not isinstance(document, dict):
                raise bad_request("The request body must be a JSON object.")
            for name, member in body_members.items():
                wire_name = member.serialization.get("name", name)
                if wire_name in document and document[wire_name] is not None:
                    params[name] = _from_json(member, document[wire_name], name)
    return params


def _json_body(request: EmulatedRequest) -> Any:
    raw = request.body
    if not raw or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request("The request body is not valid JSON.") from exc


def _type_error(path: str, expected: str) -> Exception:
    return bad_request(f"Invalid type for parameter {path}: expected {expected}.")


def _from_text(shape: Shape, text: str, path: str) -> Any:
    kind = shape.type_name
    if kind == "string":
        return text
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise _type_error(path, "an integer") from None
    if kind in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            raise _type_error(path, "a number") from None
    if kind == "boolean":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise _type_error(path, "true or false")
    if kind == "timestamp":
        try:
            return timestamps.parse(text)
        except ValueError:
            raise _type_error(path, "a timestamp") from None
    if kind == "blob":
        return _base64(text, path)
    if shape.serialization.get("jsonvalue") or kind == "structure":
        try:
            return json.loads(base64.b64decode(text))
        except (ValueError, binascii.Error):
            raise _type_error(path, "base64-encoded JSON") from None
    return text


def _from_json(shape: Shape, value: Any, path: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise _type_error(path, "an object")
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            wire_name = member.serialization.get("name", name)
            if wire_name in value and value[wire_name] is not None:
                out[name] = _from_json(member, value[wire_name], f"{path}.{name}")
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise _type_error(path, "a list")
        return [_from_json(shape.member, item, f"{path}[{index}]") for index, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise _type_error(path, "an object")
        return {key: _from_json(shape.value, item, f"{path}.{key}") for key, item in value.items()}
    if kind == "string":
        if shape.serialization.get("jsonvalue"):
            return value
        if not isinstance(value, str):
            raise _type_error(path, "a string")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise _type_error(path, "an integer")
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _type_error(path, "a number")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _type_error(path, "a boolean")
        return value
    if kind == "timestamp":
        try:
            return timestamps.parse(value)
        except ValueError:
            raise _type_error(path, "a timestamp") from None
    if kind == "blob":
        if not isinstance(value, str):
            raise _type_error(path, "a base64 string")
        return _base64(value, path)
    return value


def _base64(text: str, path: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise _type_error(path, "base64") from None
