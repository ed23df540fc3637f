"""Records a visit's outcome: completed or no-show, by its doctor or (no-show) by the timer.

A transition is one conditional UpdateItem from an open status at the version read, so it can
neither lose a concurrent change nor bring back a cancelled visit; then the reminder
execution is stopped, the channel summary follows, and the meeting is ended.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from telehealth_shared.audit import audit
from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item, load_for_participant
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, error_code, is_aws_failure, translate
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, Forbidden, Unavailable
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import OPEN_STATUSES, Appointment
from telehealth_shared.models.common import format_utc
from telehealth_shared.visit_meeting import end_visit_meeting

from . import channels, reminder_schedule
from .appointment_store import EXECUTION_ARN, update_scheduled
from .record_changes import current_item

logger = logging.getLogger("telehealth.scheduling.outcome")

_ATTEMPTS = 3


def complete_appointment(clients: AwsClients, settings: Settings, principal: Principal,
                         appointment_id: str) -> Appointment:
    """AWS calls: GetItem, UpdateItem, StopExecution, UpdateChannel, and ending an active
    meeting (Query of the calls index, DeleteMeeting, SendChannelMessage, UpdateItem)."""
    record = _load_as_doctor(clients, settings, principal, appointment_id)
    closed = _close(clients, settings, record, "completed", principal.user_id)
    audit(clients, action="appointment.complete", resource_type="appointment", resource_id=appointment_id,
          principal=principal, settings=settings)
    return closed.to_api()


def mark_no_show(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> Appointment:
    """As complete; only once the visit should have started (409 before `starts_at`)."""
    record = _load_as_doctor(clients, settings, principal, appointment_id)
    if datetime.now(timezone.utc) < record.starts_at:
        raise Conflict("A visit can only be marked as a no-show after its start time.")
    closed = _close(clients, settings, record, "no_show", principal.user_id)
    audit(clients, action="appointment.no_show", resource_type="appointment", resource_id=appointment_id,
          principal=principal, settings=settings)
    return closed.to_api()


def _load_as_doctor(clients: AwsClients, settings: Settings, principal: Principal,
                    appointment_id: str) -> AppointmentRecord:
    record, role = load_for_participant(clients, settings, appointment_id, principal)
    if role != "doctor":
        raise Forbidden("Only the appointment's doctor can record the visit's outcome.")
    return record


def _close(clients: AwsClients, settings: Settings, record: AppointmentRecord, outcome: str,
           acting_user_id: str | None) -> AppointmentRecord:
    for _ in range(_ATTEMPTS):
        if record.status == outcome:
            # A retry after a lost response: answer as it is, and finish ending the meeting.
            finish(clients, settings, record, acting_user_id)
            return record
        if not record.is_open:
            raise Conflict(record.closed_message())
        now = format_utc(datetime.now(timezone.utc))
        try:
            attributes = update_scheduled(clients, settings, record.appointment_id, record.version, {
                "status": outcome, "version": record.version + 1, "updated_at": now, f"{outcome}_at": now,
            }, statuses=OPEN_STATUSES)
        except Exception as exc:
            if error_code(exc) == CONDITION_FAILED:
                current = current_item(exc)
                if current is None:
                    raise Unavailable() from exc
                record = current
                continue
            if is_aws_failure(exc):
                raise translate(exc) from exc
            raise
        closed = AppointmentRecord.from_item(deserialize_item(attributes))
        log_event(logger, "visit_closed", appointment_id=closed.appointment_id, status=outcome,
                  by="doctor" if acting_user_id else "timer")
        after_close(clients, settings, closed)
        finish(clients, settings, closed, acting_user_id)
        return closed
    raise Unavailable("The appointment kept changing; try again.")


def after_close(clients: AwsClients, settings: Settings, closed: AppointmentRecord, *,
                stop_execution: bool = True) -> None:
    """Stop the reminders and the no-show timer (unless the timer itself is running, whose
    execution ends with this step), and let the summary say so. Both are cosmetic once the
    status is written (the Lambda re-checks it), so failures are logged."""
    steps = [("update_summary", lambda: channels.update_summary(clients, settings, closed))]
    if stop_execution:
        steps.insert(0, ("stop_execution", lambda: reminder_schedule.stop(
            clients, settings, closed.extra.get(EXECUTION_ARN), "VisitClosed")))
    for step, action in steps:
        try:
            action()
        except Exception as exc:
            log_event(logger, f"{step}_failed", logging.WARNING, appointment_id=closed.appointment_id,
                      aws_code=error_code(exc))


def finish(clients: AwsClients, settings: Settings, record: AppointmentRecord, acting_user_id: str | None) -> None:
    try:
        end_visit_meeting(clients, settings, record, acting_user_id=acting_user_id)
    except Exception as exc:
        if is_aws_failure(exc):
            # The outcome stands; a retry (the same request again) ends the meeting still recorded.
            raise translate(exc) from exc
        raise

