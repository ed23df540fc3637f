"""The calls table: one item per phone call, keyed by the SIP media application's TransactionId.

The item holds ids only (no names, no phone numbers): the SIP media application handler
reads names from the appointment when it greets, so PHI is not copied into another table.
Items expire a day after the call (`expires_at`, the table's TTL attribute); the call's states
and their transitions are telehealth_shared.call_legs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from telehealth_shared.appointment_records import load_item, serialize_item
from telehealth_shared.aws import AwsClients
from telehealth_shared.call_legs import DIALING
from telehealth_shared.config import Settings

TTL_SECONDS = 24 * 60 * 60


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
    item = load_item(clients, settings.require("calls_table"), {"transaction_id": {"S": transaction_id}})
    return CallRecord.from_item(item) if item else None
