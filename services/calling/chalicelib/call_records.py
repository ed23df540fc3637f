"""The calls table: one item per phone call, keyed by the SIP media application's TransactionId.

The item holds ids only (no names, no phone numbers): the SIP media application handler
reads names from the appointment when it greets, so PHI is not copied into another table.
Items expire a day after the call (`expires_at`, the table's TTL attribute).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from telehealth_shared.appointment_records import deserialize_item, serialize_item
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_condition_failed
from telehealth_shared.config import Settings

TTL_SECONDS = 24 * 60 * 60

DIALING, JOINED, DECLINED, ENDED = "dialing", "joined", "declined", "ended"


@dataclass(frozen=True)
class CallRecord:
    transaction_id: str
    appointment_id: str
    meeting_id: str
    patient_id: str
    doctor_id: str
    status: str
    created_at: int
    expires_at: int
    attendee_id: str | None = None
    joined_meeting_id: str | None = None

    @classmethod
    def new(cls, transaction_id: str, appointment_id: str, meeting_id: str, patient_id: str, doctor_id: str,
            now: float | None = None) -> "CallRecord":
        created = int(now if now is not None else time.time())
        return cls(transaction_id=transaction_id, appointment_id=appointment_id, meeting_id=meeting_id,
                   patient_id=patient_id, doctor_id=doctor_id, status=DIALING, created_at=created,
                   expires_at=created + TTL_SECONDS)

    def to_item(self) -> dict[str, Any]:
        item = {
            "transaction_id": self.transaction_id, "appointment_id": self.appointment_id,
            "meeting_id": self.meeting_id, "patient_id": self.patient_id, "doctor_id": self.doctor_id,
            "status": self.status, "created_at": self.created_at, "expires_at": self.expires_at,
            "attendee_id": self.attendee_id, "joined_meeting_id": self.joined_meeting_id,
        }
        return {k: v for k, v in item.items() if v is not None}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> "CallRecord":
        return cls(
            transaction_id=item["transaction_id"], appointment_id=item["appointment_id"],
            meeting_id=item["meeting_id"], patient_id=item["patient_id"], doctor_id=item["doctor_id"],
            status=item.get("status", DIALING), created_at=int(item.get("created_at", 0)),
            expires_at=int(item.get("expires_at", 0)), attendee_id=item.get("attendee_id"),
            joined_meeting_id=item.get("joined_meeting_id"),
        )


def put_call(clients: AwsClients, settings: Settings, call: CallRecord) -> None:
    clients.dynamodb.put_item(TableName=settings.require("calls_table"), Item=serialize_item(call.to_item()))


def load_call(clients: AwsClients, settings: Settings, transaction_id: str) -> CallRecord | None:
    response = clients.dynamodb.get_item(
        TableName=settings.require("calls_table"),
        Key={"transaction_id": {"S": transaction_id}},
        ConsistentRead=True,
    )
    item = response.get("Item")
    return CallRecord.from_item(deserialize_item(item)) if item else None


def _transition(clients: AwsClients, settings: Settings, transaction_id: str, *, from_status: str, to_status: str,
                extra: dict[str, str] | None = None) -> bool:
    """Move the call from one status to another; False when it was not in `from_status`
    (a retried or late event), so each transition's side effects happen once."""
    names = {"#st": "status"}
    values: dict[str, Any] = {":from": {"S": from_status}, ":to": {"S": to_status}}
    sets = ["#st = :to"]
    for index, (name, value) in enumerate((extra or {}).items()):
        names[f"#x{index}"] = name
        values[f":x{index}"] = {"S": value}
        sets.append(f"#x{index} = :x{index}")
    try:
        clients.dynamodb.update_item(
            TableName=settings.require("calls_table"),
            Key={"transaction_id": {"S": transaction_id}},
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="#st = :from",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        return True
    except Exception as exc:
        if is_condition_failed(exc):
            return False
        raise


def mark_joined(clients: AwsClients, settings: Settings, transaction_id: str, meeting_id: str, attendee_id: str) -> bool:
    return _transition(clients, settings, transaction_id, from_status=DIALING, to_status=JOINED,
                       extra={"attendee_id": attendee_id, "joined_meeting_id": meeting_id})


def mark_declined(clients: AwsClients, settings: Settings, transaction_id: str) -> bool:
    return _transition(clients, settings, transaction_id, from_status=DIALING, to_status=DECLINED)


def mark_ended(clients: AwsClients, settings: Settings, transaction_id: str) -> bool:
    return _transition(clients, settings, transaction_id, from_status=JOINED, to_status=ENDED)


def mark_hung_up(clients: AwsClients, settings: Settings, transaction_id: str) -> bool:
    """Ended by us (the visit closed), whether it was still ringing or already joined."""
    return (_transition(clients, settings, transaction_id, from_status=DIALING, to_status=ENDED)
            or _transition(clients, settings, transaction_id, from_status=JOINED, to_status=ENDED))
