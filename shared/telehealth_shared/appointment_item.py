"""The appointment item's key and who writes which of its attributes: each service writes the item
only through its own writer below, which refuses any attribute another service owns.

- scheduling: the appointment itself (participants, time, status, version, channel, reminders,
  guests it invites and revokes) and the idempotency claims beside it;
- messaging: the participants' presence (`presence_*`);
- calling: the visit's meeting and phone calls (`meeting_*`, `phone_calls_*`), a guest's join
  (status, attendee and meeting of `guest_<id>`), and `status` only to move a visit to
  `in_progress` when the doctor first admits someone.
The end of a visit's meeting (telehealth_shared.visit_meeting) writes with calling's writer
wherever it runs: the meeting attributes are calling's even when scheduling closes the visit.
"""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, Mapping

from .aws import AwsClients
from .config import Settings
from .appointment_records import serialize_item
from .item_update import Update, expression, update_item

KEY = "appointment_id"

OWNED: Mapping[str, tuple[str, ...]] = {
    "scheduling": ("doctor_id", "doctor_name", "patient_id", "patient_name", "starts_at", "starts_at_key",
                   "duration_minutes", "reason", "status", "version", "channel_arn", "created_at", "updated_at",
                   "cancelled_at", "cancelled_by", "completed_at", "no_show_at", "reminder_execution_arn",
                   "reminders_sent", "reminders_skipped", "request_fingerprint", "guest_*",
                   "claim_state", "claim_token", "claimed_at"),
    "messaging": ("presence_doctor", "presence_patient", "presence_doctor_checked_in_at",
                  "presence_patient_checked_in_at"),
    "calling": ("meeting", "meeting_*", "phone_calls_*", "guest_*.status", "guest_*.attendee_id", "guest_*.meeting_id",
                "guest_*.joined_at", "status"),
}
# Owned attributes whose values are limited further: calling starts a visit, it never closes one.
_VALUES: Mapping[str, Mapping[str, frozenset[str]]] = {"calling": {"status": frozenset({"in_progress"})}}


class NotOwner(ValueError):
    """A service tried to write an attribute of the appointment item that it does not own."""


def key(appointment_id: str) -> dict[str, Any]:
    """The item's key in DynamoDB's form (for GetItem and the like)."""
    return {KEY: {"S": appointment_id}}


def owns(owner: str, path: tuple[str, ...]) -> bool:
    """Whether `owner` may write `path`: a pattern without a dot covers a whole top-level
    attribute, one with a dot a field of a map attribute."""
    for pattern in OWNED[owner]:
        if "." in pattern:
            top, _, sub = pattern.partition(".")
            if len(path) == 2 and fnmatchcase(path[0], top) and fnmatchcase(path[1], sub):
                return True
        elif fnmatchcase(path[0], pattern):
            return True
    return False


def check_owner(owner: str, update: Update) -> None:
    for path in update.paths():
        if not owns(owner, path):
            raise NotOwner(f"{owner} does not write {'.'.join(path)} on the appointment item")
    for attribute, allowed in _VALUES.get(owner, {}).items():
        if attribute in update.set and update.set[attribute] not in allowed:
            raise NotOwner(f"{owner} does not set {attribute} to {update.set[attribute]!r}")


def _write(owner: str, clients: AwsClients, settings: Settings, item_id: str, update: Update,
           **options: Any) -> dict[str, Any] | None:
    check_owner(owner, update)
    return update_item(clients, settings.require("appointments_table"), {KEY: item_id}, update, **options)


def scheduling_write(clients: AwsClients, settings: Settings, item_id: str, update: Update, *, condition: Any = None,
                     return_new: bool = False, old_on_failure: bool = False) -> dict[str, Any] | None:
    """Scheduling's UpdateItem of the appointment (or of an item beside it, such as an
    idempotency claim); the options are item_update.update_item's."""
    return _write("scheduling", clients, settings, item_id, update, condition=condition, return_new=return_new,
                  old_on_failure=old_on_failure)


def scheduling_create(clients: AwsClients, settings: Settings, item: Mapping[str, Any]) -> None:
    """Scheduling's first write of an appointment: a PutItem that fails with
    ConditionalCheckFailedException when the id is taken."""
    clients.dynamodb.put_item(
        TableName=settings.require("appointments_table"),
        Item=serialize_item(dict(item)),
        ConditionExpression=f"attribute_not_exists({KEY})",
    )


def scheduling_transact_update(settings: Settings, item_id: str, update: Update, *, condition: Any = None) -> dict[str, Any]:
    """Scheduling's change of the appointment as one entry of a TransactWriteItems."""
    check_owner("scheduling", update)
    return {"Update": {"TableName": settings.require("appointments_table"), "Key": key(item_id),
                       **expression(update, condition)}}


def messaging_write(clients: AwsClients, settings: Settings, appointment_id: str, update: Update, *,
                    condition: Any = None, return_new: bool = False,
                    old_on_failure: bool = False) -> dict[str, Any] | None:
    """Messaging's UpdateItem of the appointment: presence only."""
    return _write("messaging", clients, settings, appointment_id, update, condition=condition, return_new=return_new,
                  old_on_failure=old_on_failure)


def calling_write(clients: AwsClients, settings: Settings, appointment_id: str, update: Update, *,
                  condition: Any = None, return_new: bool = False,
                  old_on_failure: bool = False) -> dict[str, Any] | None:
    """Calling's UpdateItem of the appointment: the meeting, the phone calls, guests' joins."""
    return _write("calling", clients, settings, appointment_id, update, condition=condition, return_new=return_new,
                  old_on_failure=old_on_failure)
