"""Writes and reads appointment channel messages in the API's convention: Content is the human
text, Metadata is JSON {"kind", "client_id"?, "data"?}; readers get the API's Message."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import BAD_REQUEST_CODES, is_aws_failure, translate
from telehealth_shared.chime_channel import decode_metadata, encode_metadata, post_message, user_arn
from telehealth_shared.config import Settings
from telehealth_shared.errors import ValidationFailed
from telehealth_shared.models.messaging import ChannelMessageMetadata, Message, Sender

# A meeting event's status says whose action it records, which is who a UI should show as its
# sender when the calling service wrote it as the app-instance admin.
_MEETING_STATUS_ROLE = {"invited": "doctor", "ended": "doctor", "accepted": "patient", "declined": "patient",
                        "admitted": "doctor", "waiting": "doctor", "left": "doctor"}


def send_as_user(clients: AwsClients, settings: Settings, record: AppointmentRecord, sender_id: str, *,
                 content: str, kind: str, client_id: str | None = None,
                 data: Mapping[str, Any] | None = None) -> str:
    """Send one persistent STANDARD message to the appointment's channel as the sender's own
    AppInstanceUser (the bearer is the sender, never the service); returns the MessageId."""
    try:
        return post_message(clients, channel_arn=record.channel_arn, bearer=user_arn(settings, sender_id),
                            content=content, metadata=encode_metadata(kind, client_id, data))
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc, dict.fromkeys(BAD_REQUEST_CODES, ValidationFailed(
                "Chime refused the message content.",
                [{"path": "$.content", "message": "refused by the messaging service"}]))) from exc
        raise


def to_api_message(summary: Mapping[str, Any], record: AppointmentRecord, settings: Settings) -> Message | None:
    """The API's Message for one ChannelMessageSummary, or None for what users never see:
    CONTROL messages, redacted ones, messages not (yet) delivered, and messages whose sender
    cannot be tied to a participant."""
    if summary.get("Type", "STANDARD") != "STANDARD" or summary.get("Redacted"):
        return None
    status = (summary.get("Status") or {}).get("Value")
    if status not in (None, "SENT"):
        return None
    metadata = decode_metadata(summary.get("Metadata"))
    sender = _sender(summary.get("Sender") or {}, metadata, record, settings)
    if sender is None:
        return None
    return Message(
        message_id=summary["MessageId"],
        kind=metadata.kind,
        content=summary.get("Content") or "",
        sender=sender,
        created_at=_utc(summary.get("CreatedTimestamp")),
        client_id=metadata.client_id,
        data=metadata.data,
    )


def _sender(chime_sender: Mapping[str, Any], metadata: ChannelMessageMetadata, record: AppointmentRecord,
            settings: Settings) -> Sender | None:
    arn = str(chime_sender.get("Arn") or "")
    user_id = arn.rsplit("/", 1)[-1] if "/user/" in arn else ""
    role = record.role_of(user_id) if user_id else None
    if role is not None:
        return Sender(user_id=user_id, name=chime_sender.get("Name") or _name(record, role), role=role)
    if arn and arn == settings.app_instance_admin_arn:
        # Events the services wrote as the app-instance admin are attributed to the participant
        # they are about; an admin message that names nobody has no sender a client can show.
        role = _event_role(metadata)
        if role is not None:
            return Sender(user_id=record.user_id_of(role), name=_name(record, role), role=role)
    return None


def _event_role(metadata: ChannelMessageMetadata) -> str | None:
    data = metadata.data or {}
    if metadata.kind == "presence" and data.get("role") in ("doctor", "patient"):
        return data["role"]
    if metadata.kind == "meeting":
        return _MEETING_STATUS_ROLE.get(data.get("status"))
    return None


def _name(record: AppointmentRecord, role: str) -> str:
    return record.doctor_name if role == "doctor" else record.patient_name


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    # Chime always sets CreatedTimestamp; a summary without one is listed as "now" rather
    # than dropped, so no text a participant wrote is hidden.
    return datetime.now(timezone.utc)
