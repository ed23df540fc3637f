"""Writes the API's `meeting` messages to an appointment's channel (calling and scheduling both do)."""
from __future__ import annotations

import json
from typing import Any, Sequence

from .appointment_records import AppointmentRecord
from .aws import AwsClients
from .config import Settings
from .models.messaging import ChannelMessageMetadata, MeetingEventData

# The human text shown by clients that do not interpret the metadata. No names: the sender
# is known to both sides, and names in content would only spread PHI further.
_CONTENT = {
    "invited": "Video call invitation",
    "accepted": "Joined the video call",
    "declined": "Declined the video call",
    "ended": "Ended the video call",
    "waiting": "Waiting to be admitted to the video call",
    "admitted": "Admitted to the video call",
    "left": "Left the video call",
}


def user_arn(settings: Settings, user_id: str) -> str:
    return f"{settings.require('app_instance_arn')}/user/{user_id}"


def meeting_event_metadata(meeting_id: str, status: str, via: str, **about: Any) -> str:
    data = MeetingEventData(meeting_id=meeting_id, status=status, via=via, **about)
    metadata = ChannelMessageMetadata(kind="meeting", data=data.model_dump(mode="json"))
    return json.dumps(metadata.model_dump(mode="json"), separators=(",", ":"))


def meeting_event_content(status: str, via: str) -> str:
    text = _CONTENT[status]
    if via == "phone":
        text += " by phone"
    return text


def post_meeting_event(clients: AwsClients, settings: Settings, record: AppointmentRecord, *,
                       acting_user_id: str | None, meeting_id: str, status: str, via: str = "web",
                       attendee_ids: Sequence[str] | None = None, role: str | None = None,
                       guest_id: str | None = None) -> str:
    """Send the event as `acting_user_id` (a participant, so its own membership authorises it),
    or as the service's AppInstanceAdmin when no participant acts (the no-show timer);
    returns the channel message id."""
    bearer = user_arn(settings, acting_user_id) if acting_user_id else settings.require("app_instance_admin_arn")
    about: dict[str, Any] = {}
    if attendee_ids:
        about["attendee_ids"] = list(attendee_ids)
    if role:
        about["role"] = role
    if guest_id:
        about["guest_id"] = guest_id
    response = clients.chime_messaging.send_channel_message(
        ChannelArn=record.channel_arn,
        Content=meeting_event_content(status, via),
        Type="STANDARD",
        Persistence="PERSISTENT",
        Metadata=meeting_event_metadata(meeting_id, status, via, **about),
        ChimeBearer=bearer,
    )
    return response["MessageId"]
