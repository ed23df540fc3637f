"""Writes API.md's `meeting` event to the appointment's channel as the acting user."""
from __future__ import annotations

import json

from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.models.messaging import ChannelMessageMetadata, MeetingEventData

# The human text shown by clients that do not interpret the metadata. No names: the sender
# is known to both sides, and names in content would only spread PHI further.
_CONTENT = {
    "invited": "Video call invitation",
    "accepted": "Joined the video call",
    "declined": "Declined the video call",
    "ended": "Ended the video call",
}


def user_arn(settings: Settings, user_id: str) -> str:
    return f"{settings.require('app_instance_arn')}/user/{user_id}"


def meeting_event_metadata(meeting_id: str, status: str, via: str) -> str:
    data = MeetingEventData(meeting_id=meeting_id, status=status, via=via)
    metadata = ChannelMessageMetadata(kind="meeting", data=data.model_dump(mode="json"))
    return json.dumps(metadata.model_dump(mode="json"), separators=(",", ":"))


def meeting_event_content(status: str, via: str) -> str:
    text = _CONTENT[status]
    if via == "phone":
        text += " by phone"
    return text


def post_meeting_event(clients: AwsClients, settings: Settings, record: AppointmentRecord, *, acting_user_id: str,
                       meeting_id: str, status: str, via: str = "web") -> str:
    """Send the event as `acting_user_id` (a participant, so its own membership authorises it);
    returns the channel message id."""
    response = clients.chime_messaging.send_channel_message(
        ChannelArn=record.channel_arn,
        Content=meeting_event_content(status, via),
        Type="STANDARD",
        Persistence="PERSISTENT",
        Metadata=meeting_event_metadata(meeting_id, status, via),
        ChimeBearer=user_arn(settings, acting_user_id),
    )
    return response["MessageId"]
