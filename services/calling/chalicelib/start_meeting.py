"""POST /appointments/{id}/meeting: the doctor starts (or reuses) the meeting and invites the patient."""
from __future__ import annotations

from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.meeting_events import post_meeting_event
from telehealth_shared.models.calling import MeetingWithAttendee, StartMeetingRequest

from .parts.active_meeting import attendee_of
from .parts.appointment_access import load_for_caller
from .parts.ensure_meeting import CONCURRENT, CREATED, ensure_meeting, undo_created


@audit_action("meeting.start", change=True)
def start_meeting(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
                  body: StartMeetingRequest) -> MeetingWithAttendee:
    record, _ = load_for_caller(clients, settings, appointment_id, principal, role="doctor")
    ensured = ensure_meeting(clients, settings, record, media_region=body.media_region)
    meeting = ensured.meeting
    # A start that reuses the meeting re-invites (the doctor asked again); a request that
    # lost a creation race stays silent, because the winner is writing the invitation.
    if ensured.outcome != CONCURRENT:
        try:
            post_meeting_event(clients, settings, record, acting_user_id=principal.user_id,
                               meeting_id=meeting.meeting_id, status="invited", via="web")
        except Exception:
            if ensured.outcome == CREATED:
                undo_created(clients, settings, record.appointment_id, meeting.meeting_id)
            raise
    attendee = attendee_of(clients, settings, record, meeting, principal.user_id)
    return MeetingWithAttendee(meeting=meeting.meeting, attendee=attendee)
