"""Cancels an appointment (either participant): the channel summary and one conditional write,
then the reminder execution is stopped and the visit's meeting ended (its join tokens stop
working, a phone leg is hung up); the channel and its messages stay."""
from __future__ import annotations

import logging

from telehealth_shared.appointment_records import AppointmentRecord, load_for_participant
from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, error_code
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, Unavailable
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import Appointment

from .parts import channels
from .parts.compensation import Compensations
from .parts.record_changes import changed_copy, current_item
from .parts.visit_closing import end_meeting, settle_closed, write_closed

logger = logging.getLogger("telehealth.scheduling.cancel")

# A concurrent move can win the conditional write; the cancel then starts again from the
# item as it now is. Two rounds lost in a row would need a burst of edits at that instant.
_ATTEMPTS = 3


@audit_action("appointment.cancel", change=True)
def cancel_appointment(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> Appointment:
    """AWS calls: GetItem, UpdateChannel, UpdateItem, StopExecution (4), plus ending an active
    meeting (telehealth_shared.visit_meeting.end_visit_meeting); closing is visit_closing.

    Cancelling a cancelled appointment answers it as it is (200, no AWS call after the
    read, unless a meeting is still recorded: then it is ended, which is how a retry after
    a failed end finishes the job): DELETE is idempotent, so a retry after a lost response,
    or both participants cancelling at once, is not an error. A completed or no-show visit
    cannot be cancelled (409).
    """
    record, role = load_for_participant(clients, settings, appointment_id, principal)
    for _ in range(_ATTEMPTS + 1):
        if record.is_cancelled:
            # A concurrent cancel (or a retry of ours): the meeting it recorded must end.
            # The cancellation stands either way; a retried DELETE ends the meeting still recorded.
            end_meeting(clients, settings, record, principal.user_id)
            return record.to_api()
        if not record.is_open:
            raise Conflict(record.closed_message())
        record, won = _try_cancel(clients, settings, record, role)
        if won:
            # The reminder Lambda sends nothing for a cancelled appointment, so a failure to
            # stop the execution is only logged; the summary was written before the status.
            settle_closed(clients, settings, record, principal.user_id, stop_reason="Cancelled", update_summary=False)
            return record.to_api()
    raise Unavailable("The appointment kept changing; try again.")


def _try_cancel(clients: AwsClients, settings: Settings, record: AppointmentRecord,
                role: str) -> tuple[AppointmentRecord, bool]:
    """(the cancelled appointment, True), or (the current record, False) when another write got
    there first."""
    new = changed_copy(record, status="cancelled")
    undo = Compensations("cancel_appointment", record.appointment_id)
    try:
        channels.update_summary(clients, settings, new)
        undo.push("restore_channel_summary", lambda: channels.update_summary(clients, settings, record))
        return write_closed(clients, settings, record, "cancelled", by=role, cancelled_by=role), True
    except Exception as exc:
        if error_code(exc) != CONDITION_FAILED:
            undo.roll_back(exc)
        current = current_item(exc)
        if current is None:
            raise Unavailable() from exc
        if not current.is_cancelled:
            # Moved meanwhile: the summary must describe the item as it is now.
            undo.clear()
            _restore_summary(clients, settings, current)
        return current, False


def _restore_summary(clients: AwsClients, settings: Settings, current: AppointmentRecord) -> None:
    try:
        channels.update_summary(clients, settings, current)
    except Exception as exc:
        log_event(logger, "summary_restore_failed", logging.ERROR, appointment_id=current.appointment_id,
                  aws_code=error_code(exc))
