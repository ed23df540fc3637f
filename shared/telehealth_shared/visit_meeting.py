"""A visit's meeting as the appointment item records it, its waiting-room capabilities, and
ending it from anywhere (cancel, complete, no-show, the doctor): one function for all.

Attributes (written by calling, except that ending may be done by scheduling too):
- `meeting_id`, `meeting`, `meeting_attendees`, `meeting_started_at`: the active meeting
  (calling's meeting_state explains them); removed when it ends;
- `meeting_generation`: meetings ever stored, the optimistic lock of every store;
- `meeting_admitted`: string set of the ExternalUserIds the doctor admitted. It outlives a
  meeting, so a stale meeting replaced by a new one lets the same people straight in;
- `meeting_patient_joined_at`: first time the patient joined (web or phone); never removed,
  it is what the no-show timer checks.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Mapping

from .appointment_item import calling_write
from .appointment_records import AppointmentRecord
from .aws import AwsClients
from .aws_errors import is_condition_failed, is_not_found
from .call_legs import hang_up_calls
from .config import Settings
from .item_update import Update, attr
from .log import log_event
from .meeting_events import post_meeting_event

logger = logging.getLogger("telehealth.visit_meeting")

MEETING_ID = "meeting_id"
MEETING = "meeting"
ATTENDEES = "meeting_attendees"
STARTED_AT = "meeting_started_at"
GENERATION = "meeting_generation"
ADMITTED = "meeting_admitted"
PATIENT_JOINED_AT = "meeting_patient_joined_at"
ACTIVE_ATTRIBUTES = (MEETING_ID, MEETING, ATTENDEES, STARTED_AT)

# Waiting attendees send and receive nothing: a patient or guest in the waiting room must not
# hear the doctor talking with someone else (an interpreter briefed before the patient is let
# in, say), which receive-only capabilities would allow. Content Receive would also need
# Video Receive (Chime's rule), so all three are None.
WAITING_CAPABILITIES = {"Audio": "None", "Video": "None", "Content": "None"}
ADMITTED_CAPABILITIES = {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"}



def phone_external_user_id(patient_id: str) -> str:
    """The phone attendee's ExternalUserId; distinct from the patient's web attendee."""
    value = f"phone-{patient_id}"
    if len(value) > 64:
        value = "phone-" + hashlib.sha256(patient_id.encode()).hexdigest()[:58]
    return value


def admitted_ids(attributes: Mapping[str, Any]) -> set[str]:
    return set(attributes.get(ADMITTED) or ())


def capabilities_for(attributes: Mapping[str, Any], external_user_id: str, *, host: bool = False) -> dict[str, str]:
    """What a new attendee starts with: the host and anyone admitted before get in at once."""
    if host or external_user_id in admitted_ids(attributes):
        return dict(ADMITTED_CAPABILITIES)
    return dict(WAITING_CAPABILITIES)


def is_waiting(capabilities: Mapping[str, str] | None) -> bool:
    caps = capabilities or {}
    return all(caps.get(kind, "SendReceive") == "None" for kind in ("Audio", "Video", "Content"))


def end_visit_meeting(clients: AwsClients, settings: Settings, record: AppointmentRecord, *,
                      acting_user_id: str | None) -> bool:
    """End the visit's active meeting and any phone leg still up; True when there was a meeting.

    Call it with the item as it is after the write that closed the visit (or after reading
    it, for the doctor ending the meeting): a closed visit can store no new meeting, so the
    meeting named here is the last one. AWS calls (none without a meeting): Query of the calls index and one
    UpdateSipMediaApplicationCall per live call (only where PSTN is deployed), DeleteMeeting,
    a conditional UpdateItem removing the meeting attributes, SendChannelMessage `ended`.
    Each step tolerates its target being gone already, so a retry finishes the job.
    """
    meeting_id = record.extra.get(MEETING_ID)
    if not meeting_id:
        # A phone call always dials into a meeting the item records, so without one there is
        # no call to hang up either.
        return False
    hang_up_calls(clients, settings, record.appointment_id)
    try:
        clients.chime_meetings.delete_meeting(MeetingId=meeting_id)
    except Exception as exc:
        if not is_not_found(exc):
            raise
    post_meeting_event(clients, settings, record, acting_user_id=acting_user_id, meeting_id=meeting_id,
                       status="ended", via="web")
    clear_meeting_attributes(clients, settings, record.appointment_id, meeting_id)
    log_event(logger, "visit_meeting_ended", appointment_id=record.appointment_id, meeting_id=meeting_id)
    return True


def clear_meeting_attributes(clients: AwsClients, settings: Settings, appointment_id: str, meeting_id: str) -> bool:
    """Forget the active meeting if it is still `meeting_id`; False when it already changed."""
    try:
        calling_write(clients, settings, appointment_id, Update(remove=ACTIVE_ATTRIBUTES),
                      condition=attr(MEETING_ID).eq(meeting_id))
        return True
    except Exception as exc:
        if is_condition_failed(exc):
            return False
        raise
