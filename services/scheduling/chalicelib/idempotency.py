"""Idempotency-Key handling for creating appointments: the key names the appointment, a
fingerprint of the request body tells a replay from a reuse of the key with another body, and a
claim (one conditional write) lets exactly one request at a time create what the key names."""
from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from telehealth_shared.appointment_item import scheduling_write
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, condition_failed_item, error_code
from telehealth_shared.config import Settings
from telehealth_shared.errors import ValidationFailed
from telehealth_shared.item_update import Update, attr
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


# -- the claim: who is creating the appointment a key names ----------------------------------
# A claim is an item of the appointments table beside the appointment it guards, keyed
# "idempotency#<appointment id>". It carries no doctor_id, patient_id or starts_at_key, so the
# table's indexes (and every list) never see it. A request holding the claim is the only one
# that creates anything for that appointment; it releases the claim when it fails, and leaves
# it in place when it succeeds (the appointment's record then answers later requests).
CLAIM_PREFIX = "idempotency#"
PENDING, RELEASED = "pending", "released"
# Longer than any create can run (the API Lambda's 60 s timeout): a claim older than this
# belongs to an attempt that died without releasing it, and may be taken over.
LEASE_SECONDS = 90


@dataclass(frozen=True)
class Claim:
    appointment_id: str
    token: str
    fingerprint: str
    state: str
    claimed_at: float


def claim_key(appointment_id: str) -> dict[str, Any]:
    return {"appointment_id": {"S": CLAIM_PREFIX + appointment_id}}


def try_claim(clients: AwsClients, settings: Settings, appointment_id: str, request_fingerprint: str,
              now: float | None = None) -> tuple[Claim | None, Claim | None]:
    """One conditional UpdateItem: take the claim if nobody holds it (never claimed, released,
    or older than the lease). Returns (ours, None) when taken, (None, the holder's) when not."""
    now = time.time() if now is None else now
    token = uuid.uuid4().hex
    try:
        scheduling_write(
            clients, settings, CLAIM_PREFIX + appointment_id,
            Update(set={"claim_state": PENDING, "claim_token": token, "request_fingerprint": request_fingerprint,
                        "claimed_at": now}),
            condition=(attr("claim_token").not_exists() | attr("claim_state").eq(RELEASED)
                       | attr("claimed_at").lt(now - LEASE_SECONDS)),
            old_on_failure=True)
    except Exception as exc:
        if error_code(exc) != CONDITION_FAILED:
            raise
        held = condition_failed_item(exc)
        if held is None:
            held = clients.dynamodb.get_item(TableName=settings.require("appointments_table"),
                                             Key=claim_key(appointment_id), ConsistentRead=True).get("Item", {})
        holder = _claim_from_item(appointment_id, held)
        if holder.token == token and holder.state == PENDING:
            # botocore retried this very call after its first attempt had written (a timeout
            # or 5xx after the write): the claim is ours.
            return holder, None
        return None, holder
    return Claim(appointment_id, token, request_fingerprint, PENDING, now), None


def _claim_from_item(appointment_id: str, item: dict[str, Any]) -> Claim:
    def text(name: str) -> str:
        return item.get(name, {}).get("S", "")
    claimed_at = item.get("claimed_at", {}).get("N")
    return Claim(appointment_id, text("claim_token"), text("request_fingerprint"), text("claim_state") or PENDING,
                 float(claimed_at) if claimed_at else 0.0)


def release(clients: AwsClients, settings: Settings, claim: Claim) -> None:
    """Give the claim up after a failure (only if it is still ours: a takeover is not undone)."""
    try:
        scheduling_write(clients, settings, CLAIM_PREFIX + claim.appointment_id,
                         Update(set={"claim_state": RELEASED}), condition=attr("claim_token").eq(claim.token))
    except Exception as exc:
        if error_code(exc) != CONDITION_FAILED:
            raise
