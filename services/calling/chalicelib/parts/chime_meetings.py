"""The Chime SDK meetings calls the calling service makes, with NotFound turned into values."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_not_found
from telehealth_shared.errors import Unavailable
from telehealth_shared.log import log_event

logger = logging.getLogger("telehealth.calling.meetings")


def create_meeting_with_attendees(clients: AwsClients, *, external_meeting_id: str, media_region: str,
                                  attendees: Mapping[str, Mapping[str, str]]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A new meeting and one attendee per external user id (with its capabilities), keyed by that id.

    ClientRequestToken is left to botocore: it fills a fresh one per call and reuses it on
    its own retries, which is exactly the idempotency wanted here.
    """
    response = clients.chime_meetings.create_meeting_with_attendees(
        ExternalMeetingId=external_meeting_id,
        MediaRegion=media_region,
        Attendees=[{"ExternalUserId": user_id, "Capabilities": dict(capabilities)}
                   for user_id, capabilities in attendees.items()],
    )
    meeting = response["Meeting"]
    created = {a["ExternalUserId"]: a for a in response.get("Attendees", [])}
    if response.get("Errors") or set(created) != set(attendees):
        # A meeting that someone cannot join is useless: do not leave it behind.
        log_event(logger, "meeting_attendee_errors", logging.ERROR, meeting_id=meeting["MeetingId"],
                  error_codes=[e.get("ErrorCode") for e in response.get("Errors", [])])
        delete_meeting(clients, meeting["MeetingId"])
        raise Unavailable("The meeting could not be prepared; try again.")
    return meeting, created


def get_live_meeting(clients: AwsClients, meeting_id: str) -> dict[str, Any] | None:
    """The meeting as Chime has it now, or None when it has ended."""
    try:
        return clients.chime_meetings.get_meeting(MeetingId=meeting_id)["Meeting"]
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise


def delete_meeting(clients: AwsClients, meeting_id: str) -> bool:
    """End the meeting; False when it had already ended (not an error: the goal is reached)."""
    try:
        clients.chime_meetings.delete_meeting(MeetingId=meeting_id)
        return True
    except Exception as exc:
        if is_not_found(exc):
            return False
        raise


def create_attendee(clients: AwsClients, meeting_id: str, external_user_id: str,
                    capabilities: Mapping[str, str]) -> dict[str, Any] | None:
    """The attendee for `external_user_id` (Chime returns the existing one when asked again,
    with the capabilities it has now), or None when the meeting has ended."""
    try:
        return clients.chime_meetings.create_attendee(MeetingId=meeting_id, ExternalUserId=external_user_id,
                                                      Capabilities=dict(capabilities))["Attendee"]
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise


def delete_attendee(clients: AwsClients, meeting_id: str, attendee_id: str) -> bool:
    try:
        clients.chime_meetings.delete_attendee(MeetingId=meeting_id, AttendeeId=attendee_id)
        return True
    except Exception as exc:
        if is_not_found(exc):
            return False
        raise
