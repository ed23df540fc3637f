"""The appointments table's item format and the participant check every service shares.

Who writes which attribute is telehealth_shared.appointment_item (each service's writer).
Presence lives in one attribute per participant so two check-ins are two independent
updates and neither can be lost.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .auth import Principal
from .aws import AwsClients
from .config import Settings
from .errors import NotFound
from .models.appointments import OPEN_STATUSES, Appointment, Presence
from .models.common import UserRef, format_utc

PRESENCE_ATTRIBUTE = {"doctor": "presence_doctor", "patient": "presence_patient"}


def parse_utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def starts_at_key(starts_at: datetime, appointment_id: str) -> str:
    """Sort key of the by-doctor/by-patient indexes: time first, id to keep it unique."""
    return f"{format_utc(starts_at)}#{appointment_id}"


@dataclass
class AppointmentRecord:
    appointment_id: str
    doctor_id: str
    doctor_name: str
    patient_id: str
    patient_name: str
    starts_at: datetime
    duration_minutes: int
    reason: str | None
    status: str
    presence_doctor: str
    presence_patient: str
    channel_arn: str
    created_at: datetime
    version: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def role_of(self, user_id: str) -> str | None:
        if user_id == self.doctor_id:
            return "doctor"
        if user_id == self.patient_id:
            return "patient"
        return None

    def other_party_name(self, role: str) -> str:
        return self.patient_name if role == "doctor" else self.doctor_name

    def user_id_of(self, role: str) -> str:
        return self.doctor_id if role == "doctor" else self.patient_id

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def is_open(self) -> bool:
        """Scheduled or in progress: check-in, messages and meetings are allowed."""
        return self.status in OPEN_STATUSES

    def closed_message(self) -> str:
        return f"The appointment is {self.status.replace('_', '-')}."

    def presence(self) -> Presence:
        return Presence(doctor=self.presence_doctor, patient=self.presence_patient)

    def to_api(self) -> Appointment:
        return Appointment(
            appointment_id=self.appointment_id,
            status=self.status,
            starts_at=self.starts_at,
            duration_minutes=self.duration_minutes,
            reason=self.reason,
            doctor=UserRef(user_id=self.doctor_id, name=self.doctor_name),
            patient=UserRef(user_id=self.patient_id, name=self.patient_name),
            presence=self.presence(),
            channel_arn=self.channel_arn,
            created_at=self.created_at,
        )

    def to_item(self) -> dict[str, Any]:
        """Plain-Python item (serialize with `serialize_item` for the low-level client)."""
        item: dict[str, Any] = {
            "appointment_id": self.appointment_id,
            "doctor_id": self.doctor_id,
            "doctor_name": self.doctor_name,
            "patient_id": self.patient_id,
            "patient_name": self.patient_name,
            "starts_at": format_utc(self.starts_at),
            "starts_at_key": starts_at_key(self.starts_at, self.appointment_id),
            "duration_minutes": self.duration_minutes,
            "status": self.status,
            "presence_doctor": self.presence_doctor,
            "presence_patient": self.presence_patient,
            "channel_arn": self.channel_arn,
            "created_at": format_utc(self.created_at),
            "version": self.version,
        }
        if self.reason is not None:
            item["reason"] = self.reason
        item.update(self.extra)
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> "AppointmentRecord":
        known = {"appointment_id", "doctor_id", "doctor_name", "patient_id", "patient_name", "starts_at",
                 "starts_at_key", "duration_minutes", "reason", "status", "presence_doctor", "presence_patient",
                 "channel_arn", "created_at", "version"}
        return cls(
            appointment_id=item["appointment_id"],
            doctor_id=item["doctor_id"],
            doctor_name=item.get("doctor_name", ""),
            patient_id=item["patient_id"],
            patient_name=item.get("patient_name", ""),
            starts_at=parse_utc(item["starts_at"]),
            duration_minutes=int(item["duration_minutes"]),
            reason=item.get("reason"),
            status=item["status"],
            presence_doctor=item.get("presence_doctor", "added"),
            presence_patient=item.get("presence_patient", "added"),
            channel_arn=item["channel_arn"],
            created_at=parse_utc(item["created_at"]),
            version=int(item.get("version", 1)),
            extra={k: v for k, v in item.items() if k not in known},
        )


def serialize_item(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {k: serializer.serialize(v) for k, v in item.items() if v is not None}


def deserialize_item(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    plain = {k: deserializer.deserialize(v) for k, v in item.items()}
    # DynamoDB numbers come back as Decimal; the item format only uses integers.
    return {k: (int(v) if type(v).__name__ == "Decimal" else v) for k, v in plain.items()}


def load_item(clients: AwsClients, table: str, key: dict[str, Any], *, consistent: bool = True) -> dict[str, Any] | None:
    """One GetItem; the item as plain Python values, or None when there is none."""
    item = clients.dynamodb.get_item(TableName=table, Key=key, ConsistentRead=consistent).get("Item")
    return deserialize_item(item) if item else None


def load_appointment(clients: AwsClients, settings: Settings, appointment_id: str, *, consistent: bool = True) -> AppointmentRecord | None:
    item = load_item(clients, settings.require("appointments_table"), {"appointment_id": {"S": appointment_id}},
                     consistent=consistent)
    return AppointmentRecord.from_item(item) if item else None


def load_for_participant(clients: AwsClients, settings: Settings, appointment_id: str, principal: Principal) -> tuple[AppointmentRecord, str]:
    """The appointment and the caller's role in it; NotFound when absent or not a participant
    (the API's rule: never reveal that someone else's appointment exists)."""
    if not _plausible_id(appointment_id):
        raise NotFound("No such appointment.")
    record = load_appointment(clients, settings, appointment_id)
    role = record.role_of(principal.user_id) if record else None
    if record is None or role is None:
        raise NotFound("No such appointment.")
    return record, role


def _plausible_id(appointment_id: str) -> bool:
    return 1 <= len(appointment_id) <= 64 and all(c.isalnum() or c in "-_" for c in appointment_id)
