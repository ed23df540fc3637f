"""The no-show step of the reminders state machine: `no_show_minutes` after the start, a visit
whose patient never checked in and never joined becomes `no_show`.

The Lambda re-checks everything in the conditional write itself (still open, this execution,
patient never checked in, never joined), so a check-in or a join at the last moment wins and
nothing is marked; a visit that moved on (completed, cancelled, moved) is left alone.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from telehealth_shared.audit import audit
from telehealth_shared.appointment_records import AppointmentRecord, load_appointment, parse_utc
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, error_code, is_aws_failure
from telehealth_shared.config import Settings
from telehealth_shared.item_update import attr
from telehealth_shared.log import log_event
from telehealth_shared.models.common import format_utc
from telehealth_shared.visit_meeting import PATIENT_JOINED_AT

from .parts.appointment_store import EXECUTION_ARN
from .parts.visit_closing import settle_closed, write_closed

logger = logging.getLogger("telehealth.scheduling.no_show")

# Written by messaging on the patient's first check-in (telehealth_shared.appointment_records).
CHECKED_IN_AT = "presence_patient_checked_in_at"
STEP = "no_show"


class NoShowTooEarly(Exception):
    """Invoked before its time (a clock ahead of ours): the state machine's Retry covers it."""


class NoShowFailed(Exception):
    """Malformed event: retrying cannot help."""


def handle_no_show(clients: AwsClients, settings: Settings, event: Any) -> dict[str, Any]:
    """AWS calls: GetItem, and when due UpdateItem plus closing (StopExecution, UpdateChannel,
    ending a meeting the doctor left open)."""
    try:
        appointment_id, execution_arn = str(event["appointment_id"]), str(event["execution_arn"])
        due = parse_utc(str(event["no_show_at"]))
    except (KeyError, TypeError, ValueError):
        raise NoShowFailed("malformed no-show event") from None
    if datetime.now(timezone.utc) < due:
        raise NoShowTooEarly(f"not before {format_utc(due)}")
    record = load_appointment(clients, settings, appointment_id)
    skip = _skip_reason(record, execution_arn)
    if skip or record is None:
        log_event(logger, "no_show_skipped", appointment_id=appointment_id, reason=skip)
        return {"no_show": False, "skipped": skip}
    try:
        # Re-checked in the write itself: a check-in or a join at the last moment wins.
        closed = write_closed(clients, settings, record, "no_show", by="timer", also=(
            attr(EXECUTION_ARN).eq(execution_arn) & attr("presence_patient").ne("checked_in")
            & attr(CHECKED_IN_AT).not_exists() & attr(PATIENT_JOINED_AT).not_exists()))
    except Exception as exc:
        if error_code(exc) == CONDITION_FAILED:
            log_event(logger, "no_show_skipped", appointment_id=appointment_id, reason="changed")
            return {"no_show": False, "skipped": "changed"}
        if is_aws_failure(exc):
            raise NoShowTooEarly(f"AWS call failed ({error_code(exc)})") from None
        raise
    audit(clients, action="appointment.no_show", resource_type="appointment", resource_id=appointment_id,
          settings=settings)
    settle_closed(clients, settings, closed, None, stop_reason=None)
    return {"no_show": True}


def _skip_reason(record: AppointmentRecord | None, execution_arn: str) -> str | None:
    if record is None:
        return "no_appointment"
    if not record.is_open:
        return record.status
    if record.extra.get(EXECUTION_ARN) != execution_arn:
        return "superseded"
    if record.presence_patient == "checked_in" or CHECKED_IN_AT in record.extra:
        return "checked_in"
    if PATIENT_JOINED_AT in record.extra:
        return "joined"
    return None

