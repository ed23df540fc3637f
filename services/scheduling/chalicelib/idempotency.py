"""Idempotency-Key handling for creating appointments: the key names the appointment, and a
fingerprint of the request body tells a replay from a reuse of the key with another body."""
from __future__ import annotations

import hashlib
import json
import re
import uuid

from telehealth_shared.errors import ValidationFailed
from telehealth_shared.models.appointments import CreateAppointmentRequest
from telehealth_shared.models.common import format_utc

HEADER = "Idempotency-Key"
# Printable ASCII without spaces, as the IETF Idempotency-Key draft and Stripe accept.
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# A fixed namespace: the same doctor and key must name the same appointment in every
# process and every deployment of this code.
_NAMESPACE = uuid.UUID("6f1c2b0e-3d5a-5c8e-9b7f-2a4d6e8c0f13")


def validate_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not _KEY.match(raw):
        raise ValidationFailed("The Idempotency-Key header is not valid.",
                               [{"path": f"header.{HEADER}", "message": "must be 1 to 255 printable ASCII characters without spaces"}])
    return raw


def appointment_id_for(doctor_id: str, key: str | None) -> str:
    """A new random id, or with a key the id that key always names for this doctor.

    Scoping by doctor keeps one doctor's keys from colliding with (or probing) another's.
    The result is a UUID: a valid Chime channel id and DynamoDB key.
    """
    if key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_NAMESPACE, f"{doctor_id}\n{key}"))


def fingerprint(request: CreateAppointmentRequest) -> str:
    """Hash of the request's meaning: equal for bodies that differ only in form (UTC offset,
    an explicit default duration, key order), different for any change of substance."""
    canonical = {
        "patient_id": request.patient_id,
        "starts_at": format_utc(request.starts_at),
        "duration_minutes": request.duration_minutes,
        "reason": request.reason,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
