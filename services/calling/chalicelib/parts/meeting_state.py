"""The `meeting_*` attributes the calling service keeps on an appointment item, and their rules.

Attributes (calling owns these and no others on the item):
- `meeting_id`: the active Chime meeting's MeetingId (absent when none is active);
- `meeting`: the Chime Meeting as JSON text, returned to clients as is;
- `meeting_attendees`: map user_id -> the Chime Attendee (JSON text) created for that user;
- `meeting_started_at`: when the meeting was created (taken just before CreateMeeting);
- `meeting_generation`: how many meetings were ever stored for the appointment. It survives
  the end of a meeting and is the optimistic lock of every store, so two starts racing each
  other, or a start racing an end, can never both win;
- `meeting_admitted`, `meeting_patient_joined_at`: the waiting room (telehealth_shared.visit_meeting).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from telehealth_shared.appointment_records import parse_utc
from telehealth_shared.models.common import format_utc

from telehealth_shared.visit_meeting import (ACTIVE_ATTRIBUTES, ADMITTED, ATTENDEES, GENERATION, MEETING,  # noqa: F401
                                             MEETING_ID, PATIENT_JOINED_AT, STARTED_AT, phone_external_user_id)

# A Chime SDK meeting ends on its own only after 24 hours or after more than five minutes
# without audio connections, so one younger than this cannot have ended unless someone
# deleted it. Join, decline and GET trust a stored meeting this young without asking Chime
# (that is what keeps a join at two AWS calls); older ones are checked with GetMeeting.
FRESH_FOR = timedelta(minutes=4)

MAX_EXTERNAL_ID = 64


@dataclass(frozen=True)
class ActiveMeeting:
    meeting_id: str
    meeting: dict[str, Any]
    attendees: dict[str, dict[str, Any]]
    started_at: datetime
    generation: int

    @classmethod
    def from_attributes(cls, attributes: Mapping[str, Any]) -> "ActiveMeeting | None":
        """The active meeting recorded in an item's attributes, or None when there is none."""
        meeting_id = attributes.get(MEETING_ID)
        raw_meeting = attributes.get(MEETING)
        if not meeting_id or not raw_meeting:
            return None
        attendees = {user_id: json.loads(text) for user_id, text in (attributes.get(ATTENDEES) or {}).items()}
        started_raw = attributes.get(STARTED_AT)
        started_at = parse_utc(started_raw) if started_raw else datetime.fromtimestamp(0, timezone.utc)
        return cls(meeting_id=str(meeting_id), meeting=json.loads(raw_meeting), attendees=attendees,
                   started_at=started_at, generation=generation_of(attributes))

    def is_fresh(self, now: datetime) -> bool:
        return now - self.started_at < FRESH_FOR

    def attendee_for(self, user_id: str) -> dict[str, Any] | None:
        return self.attendees.get(user_id)

    def with_meeting(self, meeting: dict[str, Any]) -> "ActiveMeeting":
        return replace(self, meeting=meeting)

    def with_attendee(self, user_id: str, attendee: dict[str, Any]) -> "ActiveMeeting":
        return replace(self, attendees={**self.attendees, user_id: attendee})

    def to_attributes(self) -> dict[str, Any]:
        return {
            MEETING_ID: self.meeting_id,
            MEETING: json.dumps(self.meeting, separators=(",", ":")),
            ATTENDEES: {user_id: attendee_json(a) for user_id, a in self.attendees.items()},
            STARTED_AT: format_utc(self.started_at),
            GENERATION: self.generation,
        }


def attendee_json(attendee: Mapping[str, Any]) -> str:
    return json.dumps(dict(attendee), separators=(",", ":"))


def generation_of(attributes: Mapping[str, Any]) -> int:
    value = attributes.get(GENERATION)
    return int(value) if value is not None else 0


def external_meeting_id(appointment_id: str, generation: int) -> str:
    """`<appointment id>.<generation>`: readable in Chime's events and unique per meeting.

    Appointment ids are short, but should one be too long for Chime's 64 characters, a hash
    of it takes its place so the value stays derived from the appointment.
    """
    suffix = f".{generation}"
    base = appointment_id
    if len(base) + len(suffix) > MAX_EXTERNAL_ID:
        base = hashlib.sha256(appointment_id.encode()).hexdigest()[: MAX_EXTERNAL_ID - len(suffix)]
    return base + suffix


def guest_external_user_id(guest_id: str) -> str:
    return f"guest-{guest_id}"
