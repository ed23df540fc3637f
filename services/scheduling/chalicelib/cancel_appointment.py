"""Cancels an appointment (either participant): the channel summary and one conditional write,
then the reminder execution is stopped and the visit's meeting ended (its join tokens stop
working, a phone leg is hung up); the channel and its messages stay."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item, load_for_participant
from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, error_code, is_aws_failure, translate
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, DomainError, Unavailable
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import OPEN_STATUSES, Appointment
from telehealth_shared.models.common import format_utc
from telehealth_shared.visit_meeting import end_visit_meeting

from . import channels, reminder_schedule
from .appointment_store import EXECUTION_ARN, update_scheduled
from .compensation import Compensations
from .record_changes import changed_copy, current_item

logger = logging.getLogger("telehealth.scheduling.cancel")

# A concurrent move can win the conditional write; the cancel then starts again from the
# item as it now is. Two rounds lost in a row would need a burst of edits at that instant.
_ATTEMPTS = 3


@audit_action("appointment.cancel", change=True)
def cancel_appointment(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> Appointment:
    """AWS calls: GetItem, UpdateChannel, UpdateItem, StopExecution (4), plus ending an active
    meeting (telehealth_shared.visit_meeting.end_visit_meeting).

    Cancelling a cancelled appointment answers it as it is (200, no AWS call after the
    read, unless a meeting is still recorded: then it is ended, which is how a retry after
    a failed end finishes the job): DELETE is idempotent, so a retry after a lost response,
    or both participants cancelling at once, is not an error. A completed or no-show visit
    cannot be cancelled (409).
    """
    record, role = load_for_participant(clients, settings, appointment_id, principal)
    for _ in range(_ATTEMPTS + 1):
        if record.is_cancelled:
            # Ours or a concurrent cancel: either way the meeting it recorded must end.
            _end_meeting(clients, settings, record, principal.user_id)
            return record.to_api()
        if not record.is_open:
            raise Conflict(record.closed_message())
        record = _try_cancel(clients, settings, record, role)
    raise Unavailable("The appointment kept changing; try again.")


def _end_meeting(clients: AwsClients, settings: Settings, record: AppointmentRecord, user_id: str) -> None:
    try:
        end_visit_meeting(clients, settings, record, acting_user_id=user_id)
    except Exception as exc:
        if is_aws_failure(exc):
            # The cancellation stands; a retried DELETE ends the meeting still recorded.
            raise translate(exc) from exc
        raise


def _try_cancel(clients: AwsClients, settings: Settings, record: AppointmentRecord, role: str) -> AppointmentRecord:
    """The cancelled appointment, or the current record when another write got there first."""
    now = datetime.now(timezone.utc)
    new = changed_copy(record, status="cancelled")
    undo = Compensations("cancel_appointment", record.appointment_id)
    try:
        channels.update_summary(clients, settings, new)
        undo.push("restore_channel_summary", lambda: channels.update_summary(clients, settings, record))
        attributes = update_scheduled(clients, settings, record.appointment_id, record.version, {
            "status": "cancelled", "version": new.version, "updated_at": format_utc(now),
            "cancelled_at": format_utc(now), "cancelled_by": role,
        }, statuses=OPEN_STATUSES)
    except Exception as exc:
        if error_code(exc) == CONDITION_FAILED:
            current = current_item(exc)
            if current is None:
                raise Unavailable() from exc
            if not current.is_cancelled:
                # Moved meanwhile: the summary must describe the item as it is now.
                undo.clear()
                _restore_summary(clients, settings, current)
            return current
        undo.run()
        if isinstance(exc, DomainError):
            raise
        if is_aws_failure(exc):
            raise translate(exc) from exc
        raise
    cancelled = AppointmentRecord.from_item(deserialize_item(attributes))
    _stop_reminders(clients, settings, cancelled)
    log_event(logger, "appointment_cancelled", appointment_id=cancelled.appointment_id, by=role)
    return cancelled


def _restore_summary(clients: AwsClients, settings: Settings, current: AppointmentRecord) -> None:
    try:
        channels.update_summary(clients, settings, current)
    except Exception as exc:
        log_event(logger, "summary_restore_failed", logging.ERROR, appointment_id=current.appointment_id,
                  aws_code=error_code(exc))


def _stop_reminders(clients: AwsClients, settings: Settings, record: AppointmentRecord) -> None:
    """The reminder Lambda sends nothing for a cancelled appointment, so after the write a
    failure to stop the execution is logged, not fatal (the execution then ends with no text)."""
    try:
        reminder_schedule.stop(clients, settings, record.extra.get(EXECUTION_ARN), "Cancelled")
    except Exception as exc:
        log_event(logger, "stop_execution_failed", logging.WARNING, appointment_id=record.appointment_id,
                  aws_code=error_code(exc))
