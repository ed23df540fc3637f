"""Finds the appointment's active meeting, asking Chime only when the stored one might have ended."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict
from telehealth_shared.log import log_event
from telehealth_shared.visit_meeting import capabilities_for

from .chime_meetings import create_attendee, get_live_meeting
from .meeting_state import ActiveMeeting
from .meeting_store import clear_meeting, store_attendee

logger = logging.getLogger("telehealth.calling.active_meeting")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def active_meeting(clients: AwsClients, settings: Settings, record: AppointmentRecord, *,
                   always_verify: bool = False, forget: bool = True) -> ActiveMeeting | None:
    """The stored meeting if it is still live, else None (a stale one is forgotten unless
    `forget` is False, for callers that overwrite it anyway).

    A meeting younger than FRESH_FOR cannot have ended on its own, so it is trusted without
    a GetMeeting call unless `always_verify`; only an explicit DeleteMeeting from outside
    this service could have ended it, and then the Chime SDK client reports MeetingEnded.
    """
    meeting = ActiveMeeting.from_attributes(record.extra)
    if meeting is None:
        return None
    if meeting.is_fresh(utc_now()) and not always_verify:
        return meeting
    live = get_live_meeting(clients, meeting.meeting_id)
    if live is not None:
        return meeting.with_meeting(live)
    if forget:
        forget_stale(clients, settings, record.appointment_id, meeting.meeting_id)
    return None


def forget_stale(clients: AwsClients, settings: Settings, appointment_id: str, meeting_id: str) -> None:
    cleared = clear_meeting(clients, settings, appointment_id, meeting_id)
    log_event(logger, "stale_meeting_forgotten", appointment_id=appointment_id, meeting_id=meeting_id, cleared=cleared)


def attendee_of(clients: AwsClients, settings: Settings, record: AppointmentRecord, meeting: ActiveMeeting,
                user_id: str) -> dict:
    """The user's attendee: the one created with the meeting, or (for meetings stored without
    it) a new one recorded for next time. Chime returns the same attendee for the same
    ExternalUserId, so a repeated join never piles up attendees."""
    attendee = meeting.attendee_for(user_id)
    if attendee is not None:
        return attendee
    attendee = create_attendee(clients, meeting.meeting_id, user_id,
                               capabilities_for(record.extra, user_id, host=user_id == record.doctor_id))
    if attendee is None:
        forget_stale(clients, settings, record.appointment_id, meeting.meeting_id)
        raise Conflict("The meeting has ended.")
    if not store_attendee(clients, settings, record.appointment_id, meeting.meeting_id, user_id, attendee):
        raise Conflict("The meeting changed while joining; try again.")
    return attendee
