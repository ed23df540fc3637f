"""The reminder workflow of an appointment: the state machine's input (one reminder per lead
time still ahead, then one at the start, then the no-show check) and starting and stopping
its execution."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import EXECUTION_GONE, error_code
from telehealth_shared.config import Settings
from telehealth_shared.models.common import format_utc



def reminders(record: AppointmentRecord, lead_minutes: Iterable[int], now: datetime | None = None) -> list[dict[str, Any]]:
    """The Map items of the state machine, in firing order.

    Lead-time reminders whose time has already passed are left out (a visit booked ten
    minutes ahead gets no "one hour before" text); the one at the start is always kept, so
    even a start a moment in the past still reminds at once.
    """
    now = now or datetime.now(timezone.utc)
    items = []
    for lead in sorted({int(m) for m in lead_minutes if int(m) > 0}, reverse=True):
        at = record.starts_at - timedelta(minutes=lead)
        if at > now:
            items.append(_item(record, at, lead))
    items.append(_item(record, record.starts_at, 0))
    return items


def _item(record: AppointmentRecord, at: datetime, lead: int) -> dict[str, Any]:
    return {"appointment_id": record.appointment_id, "version": record.version, "remind_at": format_utc(at),
            "lead_minutes": lead}


def execution_input(record: AppointmentRecord, lead_minutes: Iterable[int], now: datetime | None = None,
                    no_show_minutes: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {"appointment_id": record.appointment_id, "version": record.version,
                            "reminders": reminders(record, lead_minutes, now)}
    if no_show_minutes > 0:
        # 0 turns the automatic no-show off (the state machine then ends after the reminders).
        data["no_show_at"] = format_utc(record.starts_at + timedelta(minutes=no_show_minutes))
    return data


def execution_name(record: AppointmentRecord) -> str:
    """Unique per attempt: an execution name stays taken for 90 days after the execution
    ends, so a create retried after a rollback (which stopped the first execution) needs a
    new one. The item records the ARN, so nothing has to compute it."""
    return f"{record.appointment_id}-v{record.version}-{uuid.uuid4().hex[:12]}"


def start(clients: AwsClients, settings: Settings, record: AppointmentRecord) -> str:
    """One StartExecution; returns the execution ARN."""
    response = clients.stepfunctions.start_execution(
        stateMachineArn=settings.require("state_machine_arn"),
        name=execution_name(record),
        input=json.dumps(execution_input(record, settings.reminder_lead_minutes,
                                         no_show_minutes=settings.no_show_minutes), separators=(",", ":")),
    )
    return response["executionArn"]


def stop(clients: AwsClients, settings: Settings, execution_arn: str | None, why: str) -> None:
    """One StopExecution; an execution that no longer exists counts as stopped."""
    if not execution_arn:
        return
    try:
        clients.stepfunctions.stop_execution(executionArn=execution_arn, error=why,
                                             cause="Superseded by a change to the appointment.")
    except Exception as exc:
        if error_code(exc) != EXECUTION_GONE:
            raise
