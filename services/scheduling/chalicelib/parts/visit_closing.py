"""Closing a visit (cancelled, completed or no-show), the same way for every route and the timer:
one conditional status write, then the reminder execution stopped, the channel summary updated
and the meeting ended (a phone leg hung up) through telehealth_shared.visit_meeting.

Two steps, because the audit event (which also counts the metric) goes between them for the
no-show timer, whose retry skips a closed visit, and after them for a participant, whose retry
of a failed end finishes the job and records it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import error_code, is_aws_failure, translate
from telehealth_shared.config import Settings
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import OPEN_STATUSES
from telehealth_shared.models.common import format_utc
from telehealth_shared.visit_meeting import end_visit_meeting

from . import channels, reminder_schedule
from .appointment_store import EXECUTION_ARN, update_scheduled

logger = logging.getLogger("telehealth.scheduling.closing")


def write_closed(clients: AwsClients, settings: Settings, record: AppointmentRecord, status: str, *, by: str,
                 also: Any = None, **fields: Any) -> AppointmentRecord:
    """The one conditional UpdateItem from an open status at the version read (and `also`):
    `status`, the next version, `updated_at`, `<status>_at` and `fields`. Raises
    ConditionalCheckFailedException, with the item as it is, when it moved on meanwhile."""
    now = format_utc(datetime.now(timezone.utc))
    attributes = update_scheduled(clients, settings, record.appointment_id, record.version, {
        "status": status, "version": record.version + 1, "updated_at": now, f"{status}_at": now, **fields,
    }, statuses=OPEN_STATUSES, also=also)
    closed = AppointmentRecord.from_item(deserialize_item(attributes))
    log_event(logger, "visit_closed", appointment_id=closed.appointment_id, status=status, by=by)
    return closed


def settle_closed(clients: AwsClients, settings: Settings, closed: AppointmentRecord, acting_user_id: str | None, *,
                  stop_reason: str | None = "VisitClosed", update_summary: bool = True) -> None:
    """What follows the write: stop the reminders and the no-show timer (`stop_reason` None when
    the timer itself runs, its execution ending with this step), update the channel summary
    (unless done before the write), end the meeting. The first two are cosmetic once the status
    is written (the Lambdas re-check it), so their failures are logged; a failure to end the
    meeting is the caller's 503, and the same request again ends the meeting still recorded."""
    steps = []
    if stop_reason:
        steps.append(("stop_execution", lambda: reminder_schedule.stop(
            clients, settings, closed.extra.get(EXECUTION_ARN), stop_reason)))
    if update_summary:
        steps.append(("update_summary", lambda: channels.update_summary(clients, settings, closed)))
    for step, action in steps:
        try:
            action()
        except Exception as exc:
            log_event(logger, f"{step}_failed", logging.WARNING, appointment_id=closed.appointment_id,
                      aws_code=error_code(exc))
    end_meeting(clients, settings, closed, acting_user_id)


def end_meeting(clients: AwsClients, settings: Settings, record: AppointmentRecord, acting_user_id: str | None) -> None:
    try:
        end_visit_meeting(clients, settings, record, acting_user_id=acting_user_id)
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc) from exc
        raise
