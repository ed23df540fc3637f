"""POST /appointments/{id}/meeting/join: a participant gets the meeting and its own attendee.

Happy path: GetItem, plus for the patient the `accepted` message (and, the first time, an
UpdateItem recording that the patient came, which the no-show timer checks); the attendee was
created with the meeting (the patient's as waiting) and is read from the item. The reference system makes four calls here
(two membership checks, GetMeeting, CreateAttendee).
"""
from __future__ import annotations

from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict
from telehealth_shared.meeting_events import post_meeting_event
from telehealth_shared.models.calling import MeetingWithAttendee

from telehealth_shared.models.common import format_utc

from .parts.active_meeting import active_meeting, attendee_of, utc_now
from .parts.appointment_access import load_for_caller
from .parts.meeting_state import PATIENT_JOINED_AT
from .parts.meeting_store import mark_patient_joined


@audit_action("meeting.join", change=True)
def join_meeting(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> MeetingWithAttendee:
    record, role = load_for_caller(clients, settings, appointment_id, principal)
    meeting = active_meeting(clients, settings, record)
    if meeting is None:
        raise Conflict("The appointment has no active meeting.")
    attendee = attendee_of(clients, settings, record, meeting, principal.user_id)
    if role == "patient":
        if PATIENT_JOINED_AT not in record.extra:
            mark_patient_joined(clients, settings, record.appointment_id, format_utc(utc_now()))
        post_meeting_event(clients, settings, record, acting_user_id=principal.user_id,
                           meeting_id=meeting.meeting_id, status="accepted", via="web")
    return MeetingWithAttendee(meeting=meeting.meeting, attendee=attendee)
