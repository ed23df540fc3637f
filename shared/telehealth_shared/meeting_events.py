"""Writes the API's `meeting` messages to an appointment's channel (calling and scheduling both do)."""
from __future__ import annotations

from typing import Any, Sequence

from .appointment_records import AppointmentRecord
from .aws import AwsClients
from .chime_channel import encode_metadata, post_message, user_arn
from .config import Settings
from .models.messaging import MeetingEventData

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


def meeting_event_metadata(meeting_id: str, status: str, via: str, **about: Any) -> str:
    data = MeetingEventData(meeting_id=meeting_id, status=status, via=via, **about)
    return encode_metadata("meeting", data=data.model_dump(mode="json"))


def meeting_event_content(status: str, via: str) -> str:
    text = _CONTENT[status]
    if via == "phone":
        text += " by phone"
    return text


def post_meeting_event(clients: AwsClients, settings: Settings, record: AppointmentRecord, *,
                       acting_user_id: str | None, meeting_id: str, status: str, via: str = "web",
                       attendee_ids: Sequence[str] | None = None, role: str | None = None,
                       guest_id: str | None = None, token: str | None = None) -> str:
    """Send the event as `acting_user_id` (a participant, so its own membership authorises it),
    or as the service's AppInstanceAdmin when no participant acts (the no-show timer);
    returns the channel message id. `token`: see chime_channel.post_message (a handler that
    AWS may invoke again for the same event passes one derived from that event)."""
    bearer = user_arn(settings, acting_user_id) if acting_user_id else settings.require("app_instance_admin_arn")
    about: dict[str, Any] = {}
    if attendee_ids:
        about["attendee_ids"] = list(attendee_ids)
    if role:
        about["role"] = role
    if guest_id:
        about["guest_id"] = guest_id
    return post_message(clients, channel_arn=record.channel_arn, bearer=bearer,
                        content=meeting_event_content(status, via),
                        metadata=meeting_event_metadata(meeting_id, status, via, **about), token=token)
