"""Returns one appointment to one of its participants (404 to anyone else)."""
from __future__ import annotations

from telehealth_shared.appointment_records import load_for_participant
from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.models.appointments import Appointment


@audit_action("appointment.read")
def get_appointment(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> Appointment:
    """One GetItem (consistent read)."""
    record, _role = load_for_participant(clients, settings, appointment_id, principal)
    return record.to_api()
