"""GET /appointments/{id}/meeting: the active meeting, for either participant."""
from __future__ import annotations

from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import NotFound
from telehealth_shared.models.calling import MeetingOnly

from .parts.active_meeting import active_meeting
from .parts.appointment_access import load_for_caller


@audit_action("meeting.read")
def get_meeting(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> MeetingOnly:
    # Reading works on a cancelled appointment too, as for messages.
    record, _ = load_for_caller(clients, settings, appointment_id, principal, allow_cancelled=True)
    meeting = active_meeting(clients, settings, record)
    if meeting is None:
        raise NotFound("The appointment has no active meeting.")
    return MeetingOnly(meeting=meeting.meeting)
