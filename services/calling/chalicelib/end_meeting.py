"""DELETE /appointments/{id}/meeting: the doctor ends the meeting for everyone.

The same ending as cancel and complete (telehealth_shared.visit_meeting.end_visit_meeting):
the meeting is deleted (already gone is fine), live phone legs are hung up, the `ended` event
written, and only then is the record forgotten, so a retry after any failure finishes the job.
"""
from __future__ import annotations

from typing import Any

from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict
from telehealth_shared.visit_meeting import end_visit_meeting

from .parts.appointment_access import load_for_caller


@audit_action("meeting.end", change=True)
def end_meeting(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> dict[str, Any]:
    # Ending stays allowed on a closed appointment: it is how a leftover meeting is closed.
    record, _ = load_for_caller(clients, settings, appointment_id, principal, role="doctor", allow_cancelled=True)
    if not end_visit_meeting(clients, settings, record, acting_user_id=principal.user_id):
        raise Conflict("The appointment has no active meeting.")
    return {}
