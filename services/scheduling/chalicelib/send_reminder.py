"""The reminder Lambda: at a reminder time, texts each participant still `added` once, through
one Pinpoint SendMessages, recording each text on the item before sending it (at most once)."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telehealth_shared.appointment_records import PRESENCE_ATTRIBUTE, AppointmentRecord, load_appointment, parse_utc
from telehealth_shared.aws import THROTTLING_CODES, AwsClients, error_code
from telehealth_shared.config import Settings
from telehealth_shared.log import log_event
from telehealth_shared.models.common import format_utc

from .appointment_store import EXECUTION_ARN, REMINDERS_SENT
from .aws_errors import CONDITION_FAILED, is_aws_error
from .user_directory import get_user

logger = logging.getLogger("telehealth.scheduling.reminder")

TEXT = "Check in for your appointment with {name}."
ROLES = ("doctor", "patient")
_CLAIM_ATTEMPTS = 3
_RETRYABLE_DELIVERY = frozenset({"THROTTLED", "TEMPORARY_FAILURE"})


class ReminderTemporarilyFailed(Exception):
    """Nothing was sent for the roles still due, and trying again may work: the state
    machine's Retry names this class (AWS reports the exception's class name as the error)."""


class ReminderFailed(Exception):
    """A reminder could not be sent, or it is unknown whether it was: retrying could send it
    twice or cannot help, so the execution fails where operators see it."""


@dataclass(frozen=True)
class ReminderEvent:
    appointment_id: str
    version: int
    remind_at: datetime
    lead_minutes: int
    execution_arn: str

    @classmethod
    def parse(cls, event: Any) -> "ReminderEvent":
        try:
            version, lead = event["version"], event["lead_minutes"]
            if isinstance(version, bool) or isinstance(lead, bool) or not isinstance(version, int) or not isinstance(lead, int):
                raise TypeError("version and lead_minutes must be integers")
            parsed = cls(appointment_id=str(event["appointment_id"]), version=version,
                         remind_at=parse_utc(str(event["remind_at"])), lead_minutes=lead,
                         execution_arn=str(event["execution_arn"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ReminderFailed(f"malformed reminder event ({type(exc).__name__})") from None
        return parsed

    def key(self, role: str) -> str:
        """What the item records once this reminder is claimed for `role`."""
        return f"{self.version}:{self.lead_minutes}:{role}"


_sms_clients: AwsClients | None = None
_sms_lock = threading.Lock()


def sms_clients() -> AwsClients:
    """Clients that never retry by themselves: a SendMessages that timed out may have been
    delivered, and botocore retrying it would text the participant twice."""
    global _sms_clients
    with _sms_lock:
        if _sms_clients is None:
            _sms_clients = AwsClients(max_attempts=1)
        return _sms_clients


def send_reminder(clients: AwsClients, settings: Settings, event: Any, sender: AwsClients | None = None) -> dict[str, Any]:
    """Handle one Map item of the reminders state machine; returns {"sent": [roles]}.

    AWS calls: GetItem; then for the roles due, AdminGetUser each (phone numbers are never
    stored by this service), one UpdateItem claiming them, one SendMessages for all.
    """
    reminder = ReminderEvent.parse(event)
    try:
        return _send(clients, settings, reminder, sender or sms_clients())
    except (ReminderFailed, ReminderTemporarilyFailed):
        raise
    except Exception as exc:
        if is_aws_error(exc):
            # Everything before SendMessages is a read or a conditional claim, which a retry
            # repeats safely.
            log_event(logger, "reminder_dependency_failed", logging.WARNING, appointment_id=reminder.appointment_id,
                      aws_code=error_code(exc))
            raise ReminderTemporarilyFailed(f"AWS call failed ({error_code(exc) or type(exc).__name__})") from None
        raise


def _send(clients: AwsClients, settings: Settings, reminder: ReminderEvent, sender: AwsClients) -> dict[str, Any]:
    for _ in range(_CLAIM_ATTEMPTS):
        record = load_appointment(clients, settings, reminder.appointment_id)
        skip = _stale(record, reminder)
        if skip or record is None:
            log_event(logger, "reminder_skipped", appointment_id=reminder.appointment_id, reason=skip)
            return {"sent": [], "skipped": skip}
        due = [role for role in ROLES if getattr(record, PRESENCE_ATTRIBUTE[role]) == "added"
               and reminder.key(role) not in _sent(record)]
        if not due:
            return {"sent": []}
        phones = _phone_numbers(clients, settings, record, due)
        due = [role for role in due if role in phones]
        if not due:
            return {"sent": []}
        if _claim(clients, settings, reminder, due):
            return _deliver(clients, settings, sender, reminder, record, due, phones)
        # A check-in, a cancellation or a concurrent invocation changed the item: look again.
    raise ReminderTemporarilyFailed("the appointment kept changing while claiming the reminder")


def _stale(record: AppointmentRecord | None, reminder: ReminderEvent) -> str | None:
    if record is None:
        # An execution of a create that was rolled back or never finished.
        return "no_appointment"
    if not record.is_open:
        # Cancelled, completed or a no-show: nobody needs reminding. A visit in progress
        # still reminds a participant who has not checked in.
        return record.status
    if record.extra.get(EXECUTION_ARN) != reminder.execution_arn:
        # A superseded execution (the appointment moved) or an orphan of a failed attempt.
        return "superseded"
    if format_utc(record.starts_at - timedelta(minutes=reminder.lead_minutes)) != format_utc(reminder.remind_at):
        return "time_changed"
    return None


def _sent(record: AppointmentRecord) -> set[str]:
    return set(record.extra.get(REMINDERS_SENT) or ())


def _phone_numbers(clients: AwsClients, settings: Settings, record: AppointmentRecord, roles: list[str]) -> dict[str, str]:
    phones = {}
    for role in roles:
        user = get_user(clients, settings, record.user_id_of(role))
        if user is None or not user.phone_number:
            log_event(logger, "reminder_no_phone", logging.WARNING, appointment_id=record.appointment_id, role=role)
            continue
        phones[role] = user.phone_number
    return phones


def _claim(clients: AwsClients, settings: Settings, reminder: ReminderEvent, roles: list[str]) -> bool:
    """Record the reminder as sent for `roles` before sending, in one conditional write that
    also re-checks what made them due; False when the item changed since it was read.

    Recording first makes delivery at most once: an invocation that dies after this write
    and is retried finds the record and sends nothing again. Recording after sending would
    make it at least once, and a retry after a crash between the two would text twice.
    """
    names = {"#sent": REMINDERS_SENT, "#status": "status", "#execution": EXECUTION_ARN}
    values: dict[str, Any] = {":keys": {"SS": [reminder.key(r) for r in roles]}, ":scheduled": {"S": "scheduled"},
                              ":in_progress": {"S": "in_progress"},
                              ":execution": {"S": reminder.execution_arn}, ":added": {"S": "added"}}
    conditions = ["#status IN (:scheduled, :in_progress)", "#execution = :execution"]
    for index, role in enumerate(roles):
        names[f"#p{index}"] = PRESENCE_ATTRIBUTE[role]
        values[f":k{index}"] = {"S": reminder.key(role)}
        conditions.append(f"#p{index} = :added")
        conditions.append(f"(attribute_not_exists(#sent) OR NOT contains(#sent, :k{index}))")
    try:
        clients.dynamodb.update_item(
            TableName=settings.require("appointments_table"),
            Key={"appointment_id": {"S": reminder.appointment_id}},
            UpdateExpression="ADD #sent :keys",
            ConditionExpression=" AND ".join(conditions),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except Exception as exc:
        if error_code(exc) == CONDITION_FAILED:
            return False
        raise
    return True


def _release(clients: AwsClients, settings: Settings, reminder: ReminderEvent, roles: list[str]) -> None:
    """Undo a claim for texts known not to have gone out, so a retry can send them."""
    clients.dynamodb.update_item(
        TableName=settings.require("appointments_table"),
        Key={"appointment_id": {"S": reminder.appointment_id}},
        UpdateExpression="DELETE #sent :keys",
        ExpressionAttributeNames={"#sent": REMINDERS_SENT},
        ExpressionAttributeValues={":keys": {"SS": [reminder.key(r) for r in roles]}},
    )


def _deliver(clients: AwsClients, settings: Settings, sender: AwsClients, reminder: ReminderEvent,
             record: AppointmentRecord, roles: list[str], phones: dict[str, str]) -> dict[str, Any]:
    statuses: dict[str, str] = {}
    # One request carries both texts; two participants sharing one number need two, as
    # Addresses is keyed by number.
    batches: list[list[str]] = []
    for role in roles:
        batch = next((b for b in batches if all(phones[r] != phones[role] for r in b)), None)
        if batch is None:
            batches.append([role])
        else:
            batch.append(role)
    for index, batch in enumerate(batches):
        try:
            statuses.update(_send_batch(clients, settings, sender, reminder, record, batch, phones))
        except (ReminderFailed, ReminderTemporarilyFailed):
            untried = [role for later in batches[index + 1:] for role in later]
            if untried:
                _release_or_fail(clients, settings, reminder, untried)
            raise
    sent = [role for role in roles if statuses.get(role) == "SUCCESSFUL"]
    retryable = [role for role in roles if statuses.get(role) in _RETRYABLE_DELIVERY]
    failed = [role for role in roles if role not in sent and role not in retryable]
    log_event(logger, "reminder_sent", appointment_id=reminder.appointment_id, lead_minutes=reminder.lead_minutes,
              sent=sent, retryable=retryable, failed=failed)
    if retryable:
        _release_or_fail(clients, settings, reminder, retryable)
        raise ReminderTemporarilyFailed(f"delivery to {', '.join(retryable)} was throttled or failed temporarily")
    if failed:
        raise ReminderFailed(f"delivery to {', '.join(failed)} failed: "
                             + ", ".join(sorted({statuses.get(r, 'UNKNOWN') for r in failed})))
    return {"sent": sent}


def _send_batch(clients: AwsClients, settings: Settings, sender: AwsClients, reminder: ReminderEvent,
                record: AppointmentRecord, roles: list[str], phones: dict[str, str]) -> dict[str, str]:
    sms: dict[str, Any] = {"MessageType": "TRANSACTIONAL"}
    if settings.sms_origination_number:
        sms["OriginationNumber"] = settings.sms_origination_number
    addresses = {phones[role]: {"ChannelType": "SMS", "BodyOverride": TEXT.format(name=record.other_party_name(role))}
                 for role in roles}
    try:
        response = sender.pinpoint.send_messages(
            ApplicationId=settings.require("pinpoint_app_id"),
            MessageRequest={"Addresses": addresses, "MessageConfiguration": {"SMSMessage": sms}},
        )
    except Exception as exc:
        code = error_code(exc)
        status = (getattr(exc, "response", None) or {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code is not None and 400 <= status < 500:
            # Pinpoint refused the request: nothing went out.
            _release_or_fail(clients, settings, reminder, roles)
            if code in THROTTLING_CODES:
                raise ReminderTemporarilyFailed(f"SendMessages throttled ({code})") from None
            raise ReminderFailed(f"SendMessages refused ({code})") from None
        # A timeout or a server error: the texts may have gone out, so they stay recorded
        # and the execution fails rather than risk sending them twice.
        raise ReminderFailed(f"SendMessages outcome unknown ({code or type(exc).__name__})") from None
    results = response.get("MessageResponse", {}).get("Result", {})
    return {role: results.get(phones[role], {}).get("DeliveryStatus", "UNKNOWN_FAILURE") for role in roles}


def _release_or_fail(clients: AwsClients, settings: Settings, reminder: ReminderEvent, roles: list[str]) -> None:
    try:
        _release(clients, settings, reminder, roles)
    except Exception as exc:
        # Still recorded as sent, a retry would skip them and report success: fail instead.
        raise ReminderFailed(f"could not release the claim after a failed send ({error_code(exc) or type(exc).__name__})") from None
