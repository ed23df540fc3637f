"""Opaque next_token values for appointment lists: where the next page starts, for this caller only."""
from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from telehealth_shared.errors import ValidationFailed

# The index sort key: starts_at (UTC, seconds) then '#' and the appointment id.
_SORT_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z#(?P<id>[A-Za-z0-9_-]{1,64})$")
_VERSION = 1


def _invalid() -> ValidationFailed:
    return ValidationFailed("next_token is not valid.",
                            [{"path": "query.next_token", "message": "not a token from this API for this user"}])


def encode(owner: str, role: str, sort_key: str) -> str:
    raw = json.dumps({"v": _VERSION, "o": owner, "r": role, "k": sort_key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, owner: str, role: str) -> str:
    """The sort key the next page starts after; 400 for garbage or someone else's token.

    The partition of the resumed query is always the caller's own id (see
    list_appointments), so even a forged token can only move within the caller's own list;
    the owner check just turns a token pasted between accounts into a clear error.
    """
    try:
        padded = token + "=" * (-len(token) % 4)
        data: Any = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise _invalid() from None
    if not isinstance(data, dict) or data.get("v") != _VERSION or data.get("o") != owner or data.get("r") != role:
        raise _invalid()
    sort_key = data.get("k")
    if not isinstance(sort_key, str) or not _SORT_KEY.match(sort_key):
        raise _invalid()
    return sort_key


def appointment_id_of(sort_key: str) -> str:
    match = _SORT_KEY.match(sort_key)
    if not match:
        raise _invalid()
    return match["id"]
