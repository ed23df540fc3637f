"""Messaging service bodies: presence, chat messages, meeting events and the real-time session."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from .appointments import Presence, PresenceState
from .common import ApiModel, omitted_when_none, PageQuery, Role, StrictModel, UserRef, UtcDatetime

MessageKind = Literal["chat", "meeting", "presence"]
# waiting: someone entered the waiting room (a guest, a dialled phone); admitted: the doctor
# let attendees in; left: an attendee was removed or hung up (docs/visit-flow.md).
MeetingStatus = Literal["invited", "accepted", "declined", "ended", "waiting", "admitted", "left"]
AttendeeRole = Literal["doctor", "patient", "guest", "phone"]
MeetingVia = Literal["web", "phone"]

MAX_CONTENT_BYTES = 4096


def _content_size(value: str) -> str:
    size = len(value.encode("utf-8"))
    if size == 0 or not value.strip():
        raise ValueError("must not be empty")
    if size > MAX_CONTENT_BYTES:
        raise ValueError(f"must be at most {MAX_CONTENT_BYTES} bytes of UTF-8 (got {size})")
    return value


ClientId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


class PresenceResponse(ApiModel):
    presence: Presence


class SendMessageRequest(StrictModel):
    content: Annotated[str, Field(json_schema_extra={
        "minLength": 1, "maxLength": MAX_CONTENT_BYTES, "pattern": "\\S",
        "description": f"1..{MAX_CONTENT_BYTES} bytes of UTF-8"}), AfterValidator(_content_size)]
    client_id: ClientId | None = None


class MessagesQuery(PageQuery):
    """A page of an appointment's chat history (`limit`, `next_token`)."""


class Sender(ApiModel):
    user_id: str
    name: str
    role: Role


class MeetingEventData(ApiModel):
    meeting_id: str
    status: MeetingStatus
    via: MeetingVia = "web"
    # Which attendees an admit, a waiting or a left event is about (ids only, never names).
    attendee_ids: list[str] | None = omitted_when_none()
    role: AttendeeRole | None = omitted_when_none()
    guest_id: str | None = omitted_when_none()


class PresenceEventData(ApiModel):
    role: Role
    presence: PresenceState


class Message(ApiModel):
    message_id: str
    kind: MessageKind
    content: str
    sender: Sender
    created_at: UtcDatetime
    client_id: str | None = omitted_when_none()
    data: dict[str, Any] | None = omitted_when_none()


class MessagesPage(ApiModel):
    messages: list[Message]
    next_token: str | None = omitted_when_none()


class ChannelMessageMetadata(ApiModel):
    """The JSON kept in a Chime channel message's Metadata (the API's convention)."""

    kind: MessageKind
    client_id: str | None = omitted_when_none()
    data: dict[str, Any] | None = omitted_when_none()


class SessionResponse(ApiModel):
    websocket_url: str
    app_instance_user_arn: str
    expires_at: UtcDatetime


class WaitingRoomEntry(ApiModel):
    appointment_id: str
    starts_at: UtcDatetime
    status: Literal["scheduled", "in_progress"]
    patient: UserRef
    presence: Presence
    meeting_state: Literal["none", "waiting", "admitted"]


class WaitingRoomResponse(ApiModel):
    appointments: list[WaitingRoomEntry]
