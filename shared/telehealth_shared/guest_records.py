"""Guests of a visit as the appointments table keeps them (scheduling writes, calling joins).

Each guest is one map attribute `guest_<guest_id>` on the appointment item:
`{name, kind, status: invited|joined|revoked, contact: sms|email, created_at, attendee_id?,
meeting_id?}`. The contact itself (number or address) is used to send the code and never
stored. The code lives only as its SHA-256 in a lookup item of the same table,
`appointment_id = "guestcode#<hash>"` → `{for_appointment, guest_id}` (no GSI key, so it is in
no index, and `#` keeps it out of reach of the appointment routes). The codes are 96 random
bits, so an unsalted fast hash is enough: there is nothing to guess from it.

Single use: joining is a conditional update of the guest's `status` from `invited` to
`joined`, so of two joins with one code exactly one succeeds; revoking sets `revoked`.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, Mapping

from .appointment_records import AppointmentRecord
from .models.guests import Guest

GUEST_PREFIX = "guest_"
CODE_KEY_PREFIX = "guestcode#"
MAX_GUESTS = 5
EARLY = timedelta(minutes=15)


def new_code() -> str:
    return secrets.token_urlsafe(12)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def code_key(code: str) -> str:
    return CODE_KEY_PREFIX + code_hash(code)


def guest_attribute(guest_id: str) -> str:
    return GUEST_PREFIX + guest_id


def guests_of(record: AppointmentRecord) -> dict[str, dict[str, Any]]:
    return {key[len(GUEST_PREFIX):]: value for key, value in record.extra.items()
            if key.startswith(GUEST_PREFIX) and isinstance(value, dict)}


def window(record: AppointmentRecord) -> tuple[datetime, datetime]:
    """When a code works: from 15 minutes before the start to the planned end."""
    return record.starts_at - EARLY, record.starts_at + timedelta(minutes=record.duration_minutes)


def to_api(record: AppointmentRecord, guest_id: str, entry: Mapping[str, Any]) -> Guest:
    return Guest(guest_id=guest_id, name=str(entry.get("name", "")), kind=entry.get("kind", "other"),
                 status=entry.get("status", "invited"), expires_at=window(record)[1])


def plausible_guest_id(guest_id: str) -> bool:
    return 1 <= len(guest_id) <= 64 and all(c in "0123456789abcdef" for c in guest_id)
