"""Conditional writes of the `meeting_*` attributes on the appointment item.

Every write is conditional, so concurrent requests settle on one active meeting: a store
only succeeds against the generation it read, an attendee is only added to the meeting it
belongs to, and a clear only removes the meeting it means to remove.
"""
from __future__ import annotations

from typing import Any

from telehealth_shared.appointment_item import calling_write
from telehealth_shared.appointment_records import deserialize_item
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import condition_failed_item, is_condition_failed
from telehealth_shared.config import Settings
from telehealth_shared.item_update import IfAbsent, Update, attr
from telehealth_shared.models.appointments import OPEN_STATUSES
from telehealth_shared.visit_meeting import clear_meeting_attributes

from .meeting_state import (ATTENDEES, GENERATION, MEETING, MEETING_ID, PATIENT_JOINED_AT,
                            STARTED_AT, ActiveMeeting, attendee_json)


class LostRace(Exception):
    """Another request changed the item first; `attributes` is the item as it now is (or None)."""

    def __init__(self, attributes: dict[str, Any] | None):
        super().__init__("the appointment item changed concurrently")
        self.attributes = attributes


def _current(exc: BaseException) -> dict[str, Any] | None:
    item = condition_failed_item(exc)
    return deserialize_item(item) if item else None


def store_meeting(clients: AwsClients, settings: Settings, appointment_id: str, meeting: ActiveMeeting,
                  previous_generation: int) -> None:
    """Record `meeting` as the appointment's active one, replacing whatever generation
    `previous_generation` held; raises LostRace when someone else stored or cancelled first."""
    attributes = meeting.to_attributes()
    generation_check = (attr(GENERATION).eq(previous_generation) if previous_generation
                        else attr(GENERATION).not_exists())
    try:
        calling_write(clients, settings, appointment_id,
                      Update(set={name: attributes[name] for name in (MEETING_ID, MEETING, ATTENDEES, STARTED_AT,
                                                                       GENERATION)}),
                      condition=(attr("appointment_id").exists() & attr("status").is_in(list(OPEN_STATUSES))
                                 & generation_check),
                      old_on_failure=True)
    except Exception as exc:
        if is_condition_failed(exc):
            raise LostRace(_current(exc)) from None
        raise


def store_attendee(clients: AwsClients, settings: Settings, appointment_id: str, meeting_id: str, user_id: str,
                   attendee: dict[str, Any]) -> bool:
    """Remember a user's attendee for the meeting; False when that meeting is no longer active."""
    try:
        calling_write(clients, settings, appointment_id, Update(set={(ATTENDEES, user_id): attendee_json(attendee)}),
                      condition=attr(MEETING_ID).eq(meeting_id) & attr(ATTENDEES).exists())
        return True
    except Exception as exc:
        if is_condition_failed(exc):
            return False
        raise


def mark_patient_joined(clients: AwsClients, settings: Settings, appointment_id: str, at: str) -> None:
    """Record (once) that the patient joined a meeting of the visit: the no-show timer's proof.
    Unconditional apart from existence, so a join racing a status change still leaves it."""
    calling_write(clients, settings, appointment_id, Update(set={PATIENT_JOINED_AT: IfAbsent(at)}),
                  condition=attr("appointment_id").exists())


def clear_meeting(clients: AwsClients, settings: Settings, appointment_id: str, meeting_id: str) -> bool:
    """Forget the active meeting if it is still `meeting_id`; False when it already changed.

    The generation stays: it keeps counting meetings and guarding the next store.
    """
    return clear_meeting_attributes(clients, settings, appointment_id, meeting_id)
