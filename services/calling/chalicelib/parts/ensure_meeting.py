"""Reuses the appointment's live meeting or creates one, so that exactly one stays active.

Creation is optimistic: create the meeting on Chime, then store it with a write that only
succeeds against the generation read. The loser of a race deletes the meeting it created
and returns the winner's, so however many starts run at once, one meeting survives.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, NotFound, Unavailable
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import OPEN_STATUSES
from telehealth_shared.visit_meeting import capabilities_for

from .active_meeting import active_meeting, utc_now
from .chime_meetings import create_meeting_with_attendees, delete_meeting
from .meeting_state import ActiveMeeting, external_meeting_id, generation_of
from .meeting_store import LostRace, clear_meeting, store_meeting

logger = logging.getLogger("telehealth.calling.ensure_meeting")

# Each lost race means another request stored a meeting, which is then returned; a retry
# only happens when that meeting was ended again in between, so a few attempts suffice.
MAX_ATTEMPTS = 3

CREATED, REUSED, CONCURRENT = "created", "reused", "concurrent"


@dataclass(frozen=True)
class EnsuredMeeting:
    meeting: ActiveMeeting
    # created: this request stored it; reused: it was active before this request;
    # concurrent: another request stored it while this one was creating its own.
    outcome: str


def ensure_meeting(clients: AwsClients, settings: Settings, record: AppointmentRecord, *,
                   media_region: str | None = None) -> EnsuredMeeting:
    existing = active_meeting(clients, settings, record, always_verify=True, forget=False)
    if existing is not None:
        return EnsuredMeeting(existing, REUSED)
    attributes: dict[str, Any] = record.extra
    region = media_region or settings.region
    for _ in range(MAX_ATTEMPTS):
        generation = generation_of(attributes)
        created = _create(clients, record, generation + 1, region)
        try:
            store_meeting(clients, settings, record.appointment_id, created, generation)
            log_event(logger, "meeting_created", appointment_id=record.appointment_id,
                      meeting_id=created.meeting_id, generation=created.generation)
            return EnsuredMeeting(created, CREATED)
        except LostRace as race:
            # Ours was never stored, so nobody else can know it: delete it whatever happened.
            delete_meeting(clients, created.meeting_id)
            log_event(logger, "meeting_discarded", appointment_id=record.appointment_id,
                      meeting_id=created.meeting_id, generation=created.generation)
            current = race.attributes
            if current is None:
                raise NotFound("No such appointment.") from None
            if current.get("status") not in OPEN_STATUSES:
                raise Conflict(f"The appointment is {str(current.get('status')).replace('_', '-')}.") from None
            winner = ActiveMeeting.from_attributes(current)
            if winner is not None:
                return EnsuredMeeting(winner, CONCURRENT)
            # The winner's meeting already ended again: try against the item as it is now.
            attributes = current
    raise Unavailable("The meeting could not be started; try again.")


def _create(clients: AwsClients, record: AppointmentRecord, generation: int, region: str) -> ActiveMeeting:
    # Taken before the call: the meeting is at least this old, never younger, which keeps
    # the freshness rule in meeting_state on the safe side.
    started_at = utc_now()
    meeting, attendees = create_meeting_with_attendees(
        clients,
        external_meeting_id=external_meeting_id(record.appointment_id, generation),
        media_region=region,
        # The doctor enters admitted; the patient waits unless admitted to an earlier meeting.
        attendees={record.doctor_id: capabilities_for(record.extra, record.doctor_id, host=True),
                   record.patient_id: capabilities_for(record.extra, record.patient_id)},
    )
    return ActiveMeeting(meeting_id=meeting["MeetingId"], meeting=meeting, attendees=attendees,
                         started_at=started_at, generation=generation)


def undo_created(clients: AwsClients, settings: Settings, appointment_id: str, meeting_id: str) -> None:
    """Take back a meeting this request created when a later step failed, so the request
    leaves nothing half-done. Failures here are logged; the original error is what counts."""
    try:
        clear_meeting(clients, settings, appointment_id, meeting_id)
        delete_meeting(clients, meeting_id)
        log_event(logger, "meeting_rolled_back", appointment_id=appointment_id, meeting_id=meeting_id)
    except Exception as exc:  # the caller re-raises its own failure right after this
        log_event(logger, "meeting_rollback_failed", logging.ERROR, appointment_id=appointment_id,
                  meeting_id=meeting_id, error_type=type(exc).__name__)
