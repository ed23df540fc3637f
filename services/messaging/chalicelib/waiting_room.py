"""GET /waiting-room: the doctor's visits of the hour around now, with presence and meeting state.

One Query of the doctor index (the two hours' keys), filtered to open visits; a dashboard then
stays live from the channel's presence and meeting messages on the websocket.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from telehealth_shared.audit import audit
from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.models.common import UserRef, format_utc
from telehealth_shared.models.messaging import WaitingRoomEntry, WaitingRoomResponse
from telehealth_shared.visit_meeting import MEETING_ID, PATIENT_JOINED_AT, admitted_ids, phone_external_user_id

WINDOW = timedelta(minutes=60)
# Pages of one doctor's two hours; a handful at most, the bound only guards a runaway loop.
_MAX_PAGES = 10


def waiting_room(clients: AwsClients, settings: Settings, principal: Principal) -> WaitingRoomResponse:
    now = datetime.now(timezone.utc)
    params: dict[str, Any] = {
        "TableName": settings.require("appointments_table"),
        "IndexName": "doctor-index",
        "KeyConditionExpression": "#d = :me AND #k BETWEEN :lower AND :upper",
        "FilterExpression": "#st IN (:scheduled, :in_progress)",
        "ExpressionAttributeNames": {"#d": "doctor_id", "#k": "starts_at_key", "#st": "status"},
        "ExpressionAttributeValues": {
            ":me": {"S": principal.user_id}, ":lower": {"S": format_utc(now - WINDOW)},
            ":upper": {"S": format_utc(now + WINDOW) + "#~"},
            ":scheduled": {"S": "scheduled"}, ":in_progress": {"S": "in_progress"}},
        "ScanIndexForward": True,
    }
    entries: list[WaitingRoomEntry] = []
    for _ in range(_MAX_PAGES):
        response = clients.dynamodb.query(**params)
        entries += [_entry(AppointmentRecord.from_item(deserialize_item(item))) for item in response.get("Items", [])]
        if not response.get("LastEvaluatedKey"):
            break
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    audit(clients, action="appointment.list", resource_type="waiting_room", resource_id=principal.user_id,
          principal=principal, settings=settings)
    return WaitingRoomResponse(appointments=entries)


def meeting_state(record: AppointmentRecord) -> str:
    """The patient's place: `admitted` once the doctor let them (web or phone) in, `waiting`
    when they joined the active meeting and wait, else `none`."""
    if not record.extra.get(MEETING_ID):
        return "none"
    admitted = admitted_ids(record.extra)
    if record.patient_id in admitted or phone_external_user_id(record.patient_id) in admitted:
        return "admitted"
    return "waiting" if PATIENT_JOINED_AT in record.extra else "none"


def _entry(record: AppointmentRecord) -> WaitingRoomEntry:
    return WaitingRoomEntry(appointment_id=record.appointment_id, starts_at=record.starts_at, status=record.status,
                            patient=UserRef(user_id=record.patient_id, name=record.patient_name),
                            presence=record.presence(), meeting_state=meeting_state(record))
