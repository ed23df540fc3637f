"""DELETE /appointments/{id}/meeting: the doctor ends the meeting for everyone."""
from __future__ import annotations

import logging
from typing import Any

from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict
from telehealth_shared.log import log_event

from .appointment_access import load_for_caller
from .chime_meetings import delete_meeting
from .meeting_events import post_meeting_event
from .meeting_state import ActiveMeeting
from .meeting_store import clear_meeting

logger = logging.getLogger("telehealth.calling.end_meeting")


@audit_action("meeting.end", change=True)
def end_meeting(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> dict[str, Any]:
    # Ending stays allowed on a cancelled appointment: it is how a leftover meeting is closed.
    record, _ = load_for_caller(clients, settings, appointment_id, principal, role="doctor", allow_cancelled=True)
    meeting = ActiveMeeting.from_attributes(record.extra)
    if meeting is None:
        raise Conflict("The appointment has no active meeting.")
    # Order makes a retry after any failure finish the job: the meeting is deleted first
    # (already gone is fine), the event written, and only then is the record forgotten; a
    # retry at worst repeats the `ended` event.
    deleted = delete_meeting(clients, meeting.meeting_id)
    post_meeting_event(clients, settings, record, acting_user_id=principal.user_id,
                       meeting_id=meeting.meeting_id, status="ended", via="web")
    cleared = clear_meeting(clients, settings, record.appointment_id, meeting.meeting_id)
    log_event(logger, "meeting_ended", appointment_id=record.appointment_id, meeting_id=meeting.meeting_id,
              was_live=deleted, cleared=cleared)
    return {}
