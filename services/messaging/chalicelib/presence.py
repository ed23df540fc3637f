"""Check-in, check-out and presence of a participant: one conditional write per change, so two
participants checking in at the same moment both persist, then an announcement on the channel."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from telehealth_shared.appointment_item import messaging_write
from telehealth_shared.appointment_records import (PRESENCE_ATTRIBUTE, AppointmentRecord, deserialize_item,
                                                   load_for_participant)
from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import condition_failed_item, error_code, is_condition_failed
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, NotFound
from telehealth_shared.item_update import IfAbsent, Update, attr
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import OPEN_STATUSES
from telehealth_shared.models.common import format_utc
from telehealth_shared.models.messaging import PresenceResponse

from .parts.channel_messages import send_as_user

logger = logging.getLogger("telehealth.messaging.presence")

_ANNOUNCEMENT = {"checked_in": "{name} checked in.", "checked_out": "{name} checked out."}


@audit_action("presence.read")
def get_presence(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> PresenceResponse:
    record, _role = load_for_participant(clients, settings, appointment_id, principal)
    return PresenceResponse(presence=record.presence())


@audit_action(lambda call: "presence.check_in" if call.get("presence") == "checked_in" else "presence.check_out",
              change=True)
def set_presence(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
                 presence: str) -> PresenceResponse:
    """Set the caller's own presence (`checked_in` or `added`) and announce a change.

    AWS calls: one UpdateItem, plus one SendChannelMessage when the presence changed. The
    caller's role is the one the appointment gives them; the token's group is only the first
    guess (a wrong guess costs one more UpdateItem).
    """
    if presence not in ("checked_in", "added"):
        raise ValueError(presence)
    role = principal.role if principal.role in ("doctor", "patient") else "patient"
    outcome = _write_presence(clients, settings, appointment_id, principal.user_id, role, presence)
    if outcome is None:
        role = "patient" if role == "doctor" else "doctor"
        outcome = _write_presence(clients, settings, appointment_id, principal.user_id, role, presence)
        if outcome is None:
            raise NotFound("No such appointment.")
    item, changed = outcome
    record = AppointmentRecord.from_item(item)
    if changed:
        _announce(clients, settings, record, principal.user_id, role, presence)
    log_event(logger, "presence_set", appointment_id=appointment_id, role=role, presence=presence, changed=changed)
    return PresenceResponse(presence=record.presence())


def _write_presence(clients: AwsClients, settings: Settings, appointment_id: str, user_id: str, role: str,
                    presence: str) -> tuple[dict[str, Any], bool] | None:
    """Write one presence attribute if the caller holds `role` in a scheduled appointment and
    the value differs.

    Returns (the item after the write, True), or (the item as it is, False) when the presence
    already had that value (nothing is written), or None when the caller does not hold `role`
    there. DynamoDB serializes writes to one item, so of two simultaneous check-ins the later
    one's answer shows both. Raises Conflict for a cancelled appointment and NotFound when
    there is no such appointment or the caller is not in it.
    """
    attribute = PRESENCE_ATTRIBUTE[role]
    # A missing presence attribute means "added" (the record's default), so it only counts as
    # different from "checked_in".
    differs = attr(attribute).ne(presence)
    if presence == "checked_in":
        differs = attr(attribute).not_exists() | differs
    changes: dict[str, Any] = {attribute: presence}
    if presence == "checked_in":
        # The first check-in stays recorded after a check-out: the no-show timer's proof.
        changes[f"{attribute}_checked_in_at"] = IfAbsent(format_utc(datetime.now(timezone.utc)))
    try:
        # On failure DynamoDB hands back the item, which tells "not yours", "cancelled" and
        # "already so" apart without another read.
        new = messaging_write(clients, settings, appointment_id, Update(set=changes),
                              condition=(attr(f"{role}_id").eq(user_id) & attr("status").is_in(list(OPEN_STATUSES))
                                         & differs),
                              return_new=True, old_on_failure=True)
    except Exception as exc:
        if not is_condition_failed(exc):
            raise
        current = condition_failed_item(exc)
        if not current:
            raise NotFound("No such appointment.") from None
        item = deserialize_item(current)
        if user_id not in (item.get("doctor_id"), item.get("patient_id")):
            raise NotFound("No such appointment.") from None
        if item.get(f"{role}_id") != user_id:
            return None
        if item.get("status") not in OPEN_STATUSES:
            raise Conflict(f"The appointment is {str(item.get('status')).replace('_', '-')}.") from None
        return item, False
    if not new:
        raise NotFound("No such appointment.")
    return deserialize_item(new), True


def _announce(clients: AwsClients, settings: Settings, record: AppointmentRecord, user_id: str, role: str,
              presence: str) -> None:
    """Tell connected clients, as the participant; if that fails, put the presence back so the
    caller's retry starts from where it was (nothing half-done)."""
    name = record.doctor_name if role == "doctor" else record.patient_name
    verb = "checked_in" if presence == "checked_in" else "checked_out"
    try:
        send_as_user(clients, settings, record, user_id, content=_ANNOUNCEMENT[verb].format(name=name or role.title()),
                     kind="presence", data={"role": role, "presence": presence})
    except Exception:
        # The write changed the value, so the previous one was the other state.
        previous = "added" if presence == "checked_in" else "checked_in"
        _restore(clients, settings, record.appointment_id, role, presence, previous)
        raise


def _restore(clients: AwsClients, settings: Settings, appointment_id: str, role: str, presence: str,
             previous: str) -> None:
    try:
        # Only undo our own write: a later change by the same participant stands.
        messaging_write(clients, settings, appointment_id, Update(set={PRESENCE_ATTRIBUTE[role]: previous}),
                        condition=attr(PRESENCE_ATTRIBUTE[role]).eq(presence))
    except Exception as exc:
        log_event(logger, "presence_restore_failed", logging.WARNING, appointment_id=appointment_id, role=role,
                  aws_code=error_code(exc))
