"""Records a visit's outcome by its doctor: completed or no-show (the timer's no-show is
no_show_timer). Closing itself is visit_closing: one conditional UpdateItem from an open status
at the version read, so it can neither lose a concurrent change nor bring back a cancelled
visit; then the reminder execution is stopped, the channel summary follows, and the meeting
is ended.
"""
from __future__ import annotations

from datetime import datetime, timezone

from telehealth_shared.audit import audit
from telehealth_shared.appointment_records import AppointmentRecord, load_for_participant
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, error_code, is_aws_failure, translate
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, Forbidden, Unavailable
from telehealth_shared.models.appointments import Appointment

from .parts.record_changes import current_item
from .parts.visit_closing import end_meeting, settle_closed, write_closed

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
            end_meeting(clients, settings, record, acting_user_id)
            return record
        if not record.is_open:
            raise Conflict(record.closed_message())
        try:
            closed = write_closed(clients, settings, record, outcome, by="doctor" if acting_user_id else "timer")
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
        settle_closed(clients, settings, closed, acting_user_id)
        return closed
    raise Unavailable("The appointment kept changing; try again.")
