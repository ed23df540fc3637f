"""Loads an appointment for the caller and applies the calling service's access rules."""
from __future__ import annotations

from telehealth_shared.appointment_records import AppointmentRecord, load_for_participant
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, Forbidden


def load_for_caller(clients: AwsClients, settings: Settings, appointment_id: str, principal: Principal, *,
                    role: str | None = None, allow_cancelled: bool = False) -> tuple[AppointmentRecord, str]:
    """The appointment and the caller's role in it.

    Order matters: a non-participant gets 404 before anything else is revealed, then a
    participant in the wrong role gets 403, then a closed (cancelled, completed, no-show)
    appointment gets 409 unless `allow_cancelled` (reading and ending stay possible).
    """
    record, caller_role = load_for_participant(clients, settings, appointment_id, principal)
    if role is not None and caller_role != role:
        raise Forbidden(f"Only the appointment's {role} can do this.")
    if not record.is_open and not allow_cancelled:
        raise Conflict(record.closed_message())
    return record, caller_role
