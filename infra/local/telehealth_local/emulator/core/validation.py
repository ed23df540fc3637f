"""Checks deserialized input against the model's constraints, as the real services do server-side.

botocore checks little on the client (required members, minimum lengths), so the emulator
enforces: required members, string length (in Unicode code points, after JSON decoding),
pattern (full match, like the Java services), enum, numeric range, list and map sizes, blob
sizes, recursively. Messages follow the AWS form ("1 validation error detected: Value at
'Name' failed to satisfy constraint: ...") without echoing values (they may be PHI).
"""
from __future__ import annotations

import functools
import logging
import re
from typing import Any

from botocore.model import Shape

from .errors import bad_request

log = logging.getLogger(__name__)

# Java-style \uXXXXX escapes above the BMP (e.g. \u10000-\u10FFFF) mean code points in the
# models; Python needs \U0010FFFF for those.
_WIDE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{5,6})")


def python_pattern(pattern: str) -> str:
    def widen(found: re.Match[str]) -> str:
        digits = found.group(1)
        if int(digits, 16) > 0xFFFF:
            return "\\U" + digits.rjust(8, "0")
        return found.group(0)

    return _WIDE_ESCAPE.sub(widen, pattern)


@functools.lru_cache(maxsize=None)
def compiled_pattern(pattern: str) -> re.Pattern[str] | None:
    """The model pattern as a Python regex, or None (logged once) if Python cannot compile it."""
    try:
        return re.compile(python_pattern(pattern))
    except re.error as exc:
        log.warning("model pattern %r is not a valid Python regex (%s); not enforced", pattern, exc)
        return None


def validate(shape: Shape | None, params: dict[str, Any]) -> None:
    """Raise the service's BadRequest listing every violation, or return."""
    if shape is None:
        return
    problems: list[str] = []
    _structure(shape, params, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise bad_request(f"{count} validation {noun} detected: " + "; ".join(problems))


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _violation(path: str, rule: str) -> str:
    return f"Value at '{path}' failed to satisfy constraint: Member must {rule}"


def _structure(shape: Shape, value: dict[str, Any], prefix: str, problems: list[str]) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(f"Value null at '{_path(prefix, name)}' failed to satisfy constraint: Member must not be null")
    for name, member_value in value.items():
        member = shape.members.get(name)
        if member is None or member_value is None:
            continue
        _value(member, member_value, _path(prefix, name), problems)


def _value(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        _structure(shape, value, path, problems)
        return
    if kind == "string":
        _length(meta, len(value), path, problems)
        if "enum" in meta and value not in meta["enum"]:
            problems.append(_violation(path, f"satisfy enum value set: [{', '.join(meta['enum'])}]"))
        if "pattern" in meta:
            regex = compiled_pattern(meta["pattern"])
            if regex is not None and regex.fullmatch(value) is None:
                problems.append(_violation(path, f"satisfy regular expression pattern: {meta['pattern']}"))
        return
    if kind == "blob":
        _length(meta, len(value), path, problems)
        return
    if kind in ("integer", "long", "float", "double"):
        if "min" in meta and value < meta["min"]:
            problems.append(_violation(path, f"have value greater than or equal to {meta['min']}"))
        if "max" in meta and value > meta["max"]:
            problems.append(_violation(path, f"have value less than or equal to {meta['max']}"))
        return
    if kind == "list":
        _length(meta, len(value), path, problems)
        for index, item in enumerate(value):
            if item is None:
                problems.append(f"Value null at '{path}[{index}]' failed to satisfy constraint: Member must not be null")
            else:
                _value(shape.member, item, f"{path}[{index}]", problems)
        return
    if kind == "map":
        _length(meta, len(value), path, problems)
        for key, item in value.items():
            _value(shape.key, key, f"{path}.key", problems)
            if item is not None:
                _value(shape.value, item, f"{path}.{key}", problems)


def _length(meta: dict[str, Any], size: int, path: str, problems: list[str]) -> None:
    if "min" in meta and size < meta["min"]:
        problems.append(_violation(path, f"have length greater than or equal to {meta['min']}"))
    if "max" in meta and size > meta["max"]:
        problems.append(_violation(path, f"have length less than or equal to {meta['max']}"))
