"""Moves or edits an appointment (its doctor only): a new reminder execution and channel summary
first, then one conditional write, and only then the old execution is stopped."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item, load_for_participant, starts_at_key
from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, error_code
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, Forbidden
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import Appointment, UpdateAppointmentRequest
from telehealth_shared.models.common import format_utc

from .parts import channels, reminder_schedule
from .parts.appointment_store import EXECUTION_ARN, update_scheduled
from .parts.compensation import Compensations
from .parts.record_changes import changed_copy, current_item

logger = logging.getLogger("telehealth.scheduling.update")

CANCELLED = "The appointment is cancelled."


@audit_action("appointment.update", change=True)
def update_appointment(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
                       request: UpdateAppointmentRequest) -> Appointment:
    """AWS calls: GetItem, then when the time moves StartExecution + UpdateChannel + UpdateItem +
    StopExecution (5); a change of length only: GetItem, UpdateChannel, UpdateItem (3); of the
    reason only: GetItem, UpdateItem (2); no change at all: GetItem."""
    record, role = load_for_participant(clients, settings, appointment_id, principal)
    if role != "doctor":
        raise Forbidden("Only the appointment's doctor can change it.")
    if record.status != "scheduled":
        # Only a visit still ahead moves; one in progress or closed keeps its time.
        raise Conflict(record.closed_message())
    fields = request.model_fields_set
    changes: dict[str, Any] = {}
    if "starts_at" in fields and request.starts_at is not None and format_utc(request.starts_at) != format_utc(record.starts_at):
        changes["starts_at"] = request.starts_at
    if "duration_minutes" in fields and request.duration_minutes is not None and request.duration_minutes != record.duration_minutes:
        changes["duration_minutes"] = request.duration_minutes
    if "reason" in fields and request.reason != record.reason:
        changes["reason"] = request.reason
    if not changes:
        return record.to_api()
    new = changed_copy(record, **changes)
    moved = "starts_at" in changes
    undo = Compensations("update_appointment", appointment_id)
    try:
        if moved:
            execution_arn = reminder_schedule.start(clients, settings, new)
            undo.push("stop_new_execution",
                      lambda: reminder_schedule.stop(clients, settings, execution_arn, "UpdateFailed"))
            new.extra[EXECUTION_ARN] = execution_arn
        if moved or "duration_minutes" in changes:
            channels.update_summary(clients, settings, new)
            undo.push("restore_channel_summary", lambda: channels.update_summary(clients, settings, record))
        attributes = update_scheduled(clients, settings, appointment_id, record.version,
                                      _set_values(new, changes), remove=("reason",) if _clears_reason(changes) else ())
    except Exception as exc:
        if error_code(exc) == CONDITION_FAILED:
            _roll_back_after_race(clients, settings, undo, exc)
        undo.roll_back(exc)
    updated = AppointmentRecord.from_item(deserialize_item(attributes))
    if moved:
        _stop_superseded(clients, settings, appointment_id, record.extra.get(EXECUTION_ARN))
    log_event(logger, "appointment_updated", appointment_id=appointment_id, version=updated.version, moved=moved)
    return updated.to_api()


def _clears_reason(changes: dict[str, Any]) -> bool:
    return "reason" in changes and changes["reason"] is None


def _set_values(new: AppointmentRecord, changes: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"version": new.version, "updated_at": format_utc(datetime.now(timezone.utc))}
    if "starts_at" in changes:
        values["starts_at"] = format_utc(new.starts_at)
        values["starts_at_key"] = starts_at_key(new.starts_at, new.appointment_id)
        values[EXECUTION_ARN] = new.extra[EXECUTION_ARN]
    if "duration_minutes" in changes:
        values["duration_minutes"] = new.duration_minutes
    if "reason" in changes and new.reason is not None:
        values["reason"] = new.reason
    return values


def _roll_back_after_race(clients: AwsClients, settings: Settings, undo: Compensations, exc: BaseException) -> None:
    """The appointment was cancelled or changed after it was read: undo, putting the channel
    summary back to what the item says now (not to the stale copy read first), then 409."""
    current = current_item(exc)
    undo.run()
    if current is not None:
        try:
            channels.update_summary(clients, settings, current)
        except Exception as restore_exc:
            log_event(logger, "summary_restore_failed", logging.ERROR, appointment_id=current.appointment_id,
                      aws_code=error_code(restore_exc))
    if current is not None and current.status != "scheduled":
        raise Conflict(current.closed_message()) from exc
    raise Conflict("The appointment was changed at the same time; read it again and retry.") from exc


def _stop_superseded(clients: AwsClients, settings: Settings, appointment_id: str, execution_arn: str | None) -> None:
    """After the write the old execution can no longer send anything (the reminder Lambda
    only acts for the execution the item names), so failing to stop it is logged, not fatal."""
    try:
        reminder_schedule.stop(clients, settings, execution_arn, "Rescheduled")
    except Exception as exc:
        log_event(logger, "stop_superseded_execution_failed", logging.WARNING, appointment_id=appointment_id,
                  aws_code=error_code(exc))
