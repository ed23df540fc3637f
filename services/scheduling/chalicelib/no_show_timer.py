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
from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item, load_appointment, parse_utc
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, error_code, is_aws_failure
from telehealth_shared.config import Settings
from telehealth_shared.log import log_event
from telehealth_shared.models.common import format_utc
from telehealth_shared.visit_meeting import PATIENT_JOINED_AT

from .appointment_store import EXECUTION_ARN
from .visit_outcome import after_close, finish

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
        closed = _write(clients, settings, record, execution_arn)
    except Exception as exc:
        if error_code(exc) == CONDITION_FAILED:
            log_event(logger, "no_show_skipped", appointment_id=appointment_id, reason="changed")
            return {"no_show": False, "skipped": "changed"}
        if is_aws_failure(exc):
            raise NoShowTooEarly(f"AWS call failed ({error_code(exc)})") from None
        raise
    log_event(logger, "visit_closed", appointment_id=appointment_id, status="no_show", by="timer")
    audit(clients, action="appointment.no_show", resource_type="appointment", resource_id=appointment_id,
          settings=settings)
    after_close(clients, settings, closed, stop_execution=False)
    finish(clients, settings, closed, None)
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


def _write(clients: AwsClients, settings: Settings, record: AppointmentRecord, execution_arn: str) -> AppointmentRecord:
    now = format_utc(datetime.now(timezone.utc))
    response = clients.dynamodb.update_item(
        TableName=settings.require("appointments_table"),
        Key={"appointment_id": {"S": record.appointment_id}},
        UpdateExpression="SET #st = :no_show, #v = #v + :one, #up = :now, #at = :now",
        ConditionExpression=("#st IN (:scheduled, :in_progress) AND #exec = :exec AND #pp <> :checked_in"
                             " AND attribute_not_exists(#cin) AND attribute_not_exists(#joined)"),
        ExpressionAttributeNames={"#st": "status", "#v": "version", "#up": "updated_at", "#at": "no_show_at",
                                  "#exec": EXECUTION_ARN, "#pp": "presence_patient", "#cin": CHECKED_IN_AT,
                                  "#joined": PATIENT_JOINED_AT},
        ExpressionAttributeValues={":no_show": {"S": "no_show"}, ":one": {"N": "1"}, ":now": {"S": now},
                                   ":scheduled": {"S": "scheduled"}, ":in_progress": {"S": "in_progress"},
                                   ":exec": {"S": execution_arn}, ":checked_in": {"S": "checked_in"}},
        ReturnValues="ALL_NEW",
    )
    return AppointmentRecord.from_item(deserialize_item(response["Attributes"]))
