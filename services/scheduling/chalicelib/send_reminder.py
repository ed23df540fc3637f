"""The reminder Lambda: at a reminder time, texts each participant still `added` once, through
End User Messaging SMS, recording each text on the item before sending it (at most once); a
participant who opted out (replied STOP) is skipped and the item records why."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from telehealth_shared.appointment_item import scheduling_write
from telehealth_shared.appointment_records import PRESENCE_ATTRIBUTE, AppointmentRecord, load_appointment, parse_utc
from telehealth_shared import metrics
from telehealth_shared.audit_scope import audited
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, error_code, is_aws_failure
from telehealth_shared.config import Settings
from telehealth_shared.item_update import Update, attr
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import OPEN_STATUSES
from telehealth_shared.models.common import format_utc
from telehealth_shared.sms import SmsOutcomeUnknown, SmsRefused, send_text

from .parts.appointment_store import EXECUTION_ARN, REMINDERS_SENT, REMINDERS_SKIPPED
from .parts.user_directory import get_user

logger = logging.getLogger("telehealth.scheduling.reminder")

TEXT = "Check in for your appointment with {name}."
ROLES = ("doctor", "patient")
_CLAIM_ATTEMPTS = 3


class ReminderTemporarilyFailed(Exception):
    """Nothing was sent for the roles still due, and trying again may work: the state
    machine's Retry names this class (AWS reports the exception's class name as the error)."""


class ReminderTooEarly(Exception):
    """The reminder's time has not come (the Wait before it ended early): nothing was read or
    sent, and the state machine's Retry for this name invokes it again a little later."""


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


def send_reminder(clients: AwsClients, settings: Settings, event: Any, now: datetime | None = None) -> dict[str, Any]:
    """Handle one Map item of the reminders state machine; returns {"sent": [roles]} (plus
    "opted_out": [roles] when some recipients had opted out).

    AWS calls: GetItem; then for the roles due, AdminGetUser each (phone numbers are never
    stored by this service), one UpdateItem claiming them, one SendTextMessage each (never
    retried by botocore) and, when someone opted out, one UpdateItem recording it; then the
    audit event's PutItem.
    """
    reminder = ReminderEvent.parse(event)
    early = (reminder.remind_at - (now or datetime.now(timezone.utc))).total_seconds()
    if early > 0:
        # A reminder is never sent before its time, whatever the clock that woke it up.
        log_event(logger, "reminder_too_early", logging.WARNING, appointment_id=reminder.appointment_id,
                  seconds_early=round(early, 3))
        raise ReminderTooEarly(f"{early:.3f} s before its time")
    # The system reads the participants' phone numbers: one audit event per invocation.
    with audited(clients, settings, action="reminder.send", resource_type="appointment",
                 resource_id=reminder.appointment_id, change=True):
        try:
            result = _send_or_classify(clients, settings, reminder)
        except (ReminderFailed, ReminderTemporarilyFailed):
            metrics.count("RemindersFailed")
            raise
    _count_outcome(result)
    return result


def _count_outcome(result: dict[str, Any]) -> None:
    """The business metrics of one invocation: texts sent, and what was skipped and why."""
    if result.get("sent"):
        metrics.count("RemindersSent", len(result["sent"]))
    reasons = [result["skipped"]] if result.get("skipped") else []
    reasons += ["opted_out"] * len(result.get("opted_out") or [])
    reasons += list((result.get("skipped_roles") or {}).values())
    for reason in reasons:
        metrics.count("RemindersSkipped")
        metrics.count(f"RemindersSkipped_{reason}")


def _send_or_classify(clients: AwsClients, settings: Settings, reminder: ReminderEvent) -> dict[str, Any]:
    try:
        return _send(clients, settings, reminder)
    except (ReminderFailed, ReminderTemporarilyFailed):
        raise
    except Exception as exc:
        if is_aws_failure(exc):
            # Everything before SendTextMessage is a read or a conditional claim, which a retry
            # repeats safely.
            log_event(logger, "reminder_dependency_failed", logging.WARNING, appointment_id=reminder.appointment_id,
                      aws_code=error_code(exc))
            raise ReminderTemporarilyFailed(f"AWS call failed ({error_code(exc) or type(exc).__name__})") from None
        raise


def _send(clients: AwsClients, settings: Settings, reminder: ReminderEvent) -> dict[str, Any]:
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
        phones, unreachable = _phone_numbers(clients, settings, record, due)
        due = [role for role in due if role in phones]
        if not due:
            return {"sent": [], **({"skipped_roles": unreachable} if unreachable else {})}
        if _claim(clients, settings, reminder, due):
            result = _deliver(clients, settings, reminder, record, due, phones)
            return {**result, **({"skipped_roles": unreachable} if unreachable else {})}
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


def _phone_numbers(clients: AwsClients, settings: Settings, record: AppointmentRecord,
                   roles: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(numbers we may text, by role), (why the others get no text, by role)."""
    phones, unreachable = {}, {}
    for role in roles:
        user = get_user(clients, settings, record.user_id_of(role))
        if user is None or not user.phone_number:
            # A number changed through PATCH /me is not texted until its code is confirmed.
            unreachable[role] = "phone_unverified" if user is not None and user.phone_unverified else "no_phone"
            log_event(logger, "reminder_no_phone", logging.WARNING, appointment_id=record.appointment_id, role=role,
                      reason=unreachable[role])
            continue
        phones[role] = user.phone_number
    return phones, unreachable


def _claim(clients: AwsClients, settings: Settings, reminder: ReminderEvent, roles: list[str]) -> bool:
    """Record the reminder as sent for `roles` before sending, in one conditional write that
    also re-checks what made them due; False when the item changed since it was read.

    Recording first makes delivery at most once: an invocation that dies after this write
    and is retried finds the record and sends nothing again. Recording after sending would
    make it at least once, and a retry after a crash between the two would text twice.
    """
    condition = attr("status").is_in(list(OPEN_STATUSES)) & attr(EXECUTION_ARN).eq(reminder.execution_arn)
    for role in roles:
        condition &= attr(PRESENCE_ATTRIBUTE[role]).eq("added")
        condition &= attr(REMINDERS_SENT).not_exists() | ~attr(REMINDERS_SENT).contains(reminder.key(role))
    try:
        scheduling_write(clients, settings, reminder.appointment_id,
                         Update(add={REMINDERS_SENT: {reminder.key(r) for r in roles}}), condition=condition)
    except Exception as exc:
        if error_code(exc) == CONDITION_FAILED:
            return False
        raise
    return True


def _release(clients: AwsClients, settings: Settings, reminder: ReminderEvent, roles: list[str]) -> None:
    """Undo a claim for texts known not to have gone out, so a retry can send them."""
    scheduling_write(clients, settings, reminder.appointment_id,
                     Update(delete={REMINDERS_SENT: {reminder.key(r) for r in roles}}))


def _deliver(clients: AwsClients, settings: Settings, reminder: ReminderEvent, record: AppointmentRecord,
             roles: list[str], phones: dict[str, str]) -> dict[str, Any]:
    sent: list[str] = []
    opted_out: list[str] = []
    retryable: list[str] = []
    refused: dict[str, str] = {}
    for index, role in enumerate(roles):
        try:
            outcome = send_text(clients, settings, phones[role], TEXT.format(name=record.other_party_name(role)),
                                {"appointment_id": reminder.appointment_id})
        except SmsRefused as exc:
            # Nothing went out for this role; a throttled one is released for the retry.
            if exc.retryable:
                retryable.append(role)
            else:
                refused[role] = exc.aws_code or "UNKNOWN"
            continue
        except SmsOutcomeUnknown as exc:
            # A timeout or a server error: the text may have gone out, so it stays recorded and
            # the execution fails rather than risk sending it twice. Later roles were never tried.
            untried = roles[index + 1:] + retryable
            if untried:
                _release_or_fail(clients, settings, reminder, untried)
            raise ReminderFailed(f"SendTextMessage outcome unknown ({exc.aws_code or 'no response'})") from None
        (sent if outcome.status == "sent" else opted_out).append(role)
    if opted_out:
        _record_skipped(clients, settings, reminder, opted_out, "opted_out")
    log_event(logger, "reminder_sent", appointment_id=reminder.appointment_id, lead_minutes=reminder.lead_minutes,
              sent=sent, opted_out=opted_out, retryable=retryable, failed=sorted(refused))
    if retryable:
        _release_or_fail(clients, settings, reminder, retryable)
        raise ReminderTemporarilyFailed(f"SendTextMessage to {', '.join(retryable)} was throttled")
    if refused:
        # Refused for good (an invalid number, a missing origination identity): retrying cannot help.
        raise ReminderFailed(f"SendTextMessage to {', '.join(sorted(refused))} refused: "
                             + ", ".join(sorted(set(refused.values()))))
    return {"sent": sent, "opted_out": opted_out} if opted_out else {"sent": sent}


def _record_skipped(clients: AwsClients, settings: Settings, reminder: ReminderEvent, roles: list[str],
                    reason: str) -> None:
    """Write on the item why these claimed reminders sent nothing (`<key>:<reason>`)."""
    try:
        scheduling_write(clients, settings, reminder.appointment_id,
                         Update(add={REMINDERS_SKIPPED: {f"{reminder.key(role)}:{reason}" for role in roles}}))
    except Exception as exc:
        if not is_aws_failure(exc):
            raise
        # The texts are settled either way (nothing was sent, the claim stays); only the record
        # of why is missing, which must not make the state machine retry or fail the reminder.
        log_event(logger, "reminder_skip_not_recorded", logging.WARNING, appointment_id=reminder.appointment_id,
                  aws_code=error_code(exc))


def _release_or_fail(clients: AwsClients, settings: Settings, reminder: ReminderEvent, roles: list[str]) -> None:
    try:
        _release(clients, settings, reminder, roles)
    except Exception as exc:
        # Still recorded as sent, a retry would skip them and report success: fail instead.
        raise ReminderFailed(f"could not release the claim after a failed send ({error_code(exc) or type(exc).__name__})") from None
