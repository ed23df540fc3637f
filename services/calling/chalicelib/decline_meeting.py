"""POST /appointments/{id}/meeting/decline: the patient declines the invitation."""
from __future__ import annotations

from typing import Any

from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict
from telehealth_shared.meeting_events import post_meeting_event

from .parts.active_meeting import active_meeting
from .parts.appointment_access import load_for_caller


@audit_action("meeting.decline", change=True)
def decline_meeting(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> dict[str, Any]:
    record, _ = load_for_caller(clients, settings, appointment_id, principal, role="patient")
    meeting = active_meeting(clients, settings, record)
    if meeting is None:
        raise Conflict("The appointment has no active meeting.")
    # The meeting stays: the doctor may still be in it and decides when it ends.
    post_meeting_event(clients, settings, record, acting_user_id=principal.user_id,
                       meeting_id=meeting.meeting_id, status="declined", via="web")
    return {}
