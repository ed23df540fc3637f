"""The doctor's host controls and everyone's view of who is in the meeting: list attendees,
remove one (its join token stops working), mute or unmute one (audio send off through
capabilities, video kept). State and mute are read from Chime's capabilities, the one truth."""
from __future__ import annotations

import logging
from typing import Any, Iterable

from telehealth_shared.audit import audit
from telehealth_shared.appointment_item import calling_write
from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_bad_request, is_condition_failed, is_not_found
from telehealth_shared.chime_pages import list_pages
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, NotFound
from telehealth_shared.item_update import Update, attr
from telehealth_shared.log import log_event
from telehealth_shared.meeting_events import post_meeting_event
from telehealth_shared.models.calling import Attendee, AttendeeResponse, AttendeesResponse, MuteRequest
from telehealth_shared.visit_meeting import is_waiting, phone_external_user_id

from .parts.active_meeting import active_meeting
from .parts.appointment_access import load_for_caller
from .parts.meeting_state import ADMITTED, ATTENDEES, MEETING_ID, ActiveMeeting

logger = logging.getLogger("telehealth.calling.host_controls")

_SENDING = ("SendReceive", "Send")


def to_attendee(record: AppointmentRecord, chime: dict[str, Any], state: str | None = None) -> Attendee | None:
    """The API's Attendee for a Chime attendee of the visit's meeting; None for one the visit
    does not know (never created by this service)."""
    external = str(chime.get("ExternalUserId", ""))
    caps = chime.get("Capabilities") or {}
    user_id = guest_id = None
    if external == record.doctor_id:
        role, user_id = "doctor", record.doctor_id
    elif external == record.patient_id:
        role, user_id = "patient", record.patient_id
    elif external == phone_external_user_id(record.patient_id):
        role, user_id = "phone", record.patient_id
    elif external.startswith("guest-"):
        role, guest_id = "guest", external[len("guest-"):]
    else:
        return None
    waiting = is_waiting(caps)
    return Attendee(attendee_id=chime["AttendeeId"], user_id=user_id, guest_id=guest_id, role=role,
                    state=state or ("waiting" if waiting else "admitted"),
                    muted=not waiting and caps.get("Audio", "SendReceive") not in _SENDING)


def live_meeting(clients: AwsClients, settings: Settings, record: AppointmentRecord) -> ActiveMeeting:
    meeting = active_meeting(clients, settings, record)
    if meeting is None:
        raise Conflict("The appointment has no active meeting.")
    return meeting


def chime_attendees(clients: AwsClients, meeting_id: str) -> list[dict[str, Any]]:
    """Every attendee of the meeting (ListAttendees pages); empty when the meeting just ended."""
    try:
        return list_pages(clients.chime_meetings.list_attendees, {"MeetingId": meeting_id}, "Attendees",
                          page_size=100).items
    except Exception as exc:
        if is_not_found(exc):
            return []
        raise


def attendees_of(record: AppointmentRecord, chime: Iterable[dict[str, Any]]) -> list[Attendee]:
    return [a for a in (to_attendee(record, c) for c in chime) if a is not None]


def list_attendees(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> AttendeesResponse:
    """AWS calls: GetItem, ListAttendees. Removed attendees are no longer in Chime and so not
    listed; the channel's `left` messages record them."""
    record, _ = load_for_caller(clients, settings, appointment_id, principal)
    meeting = live_meeting(clients, settings, record)
    listed = attendees_of(record, chime_attendees(clients, meeting.meeting_id))
    audit(clients, action="attendee.list", resource_type="appointment", resource_id=record.appointment_id,
          principal=principal, settings=settings)
    return AttendeesResponse(attendees=listed)


def _plausible(attendee_id: str) -> bool:
    return 1 <= len(attendee_id) <= 64 and all(c.isalnum() or c == "-" for c in attendee_id)


def _get_attendee(clients: AwsClients, record: AppointmentRecord, meeting_id: str, attendee_id: str) -> Attendee:
    if not _plausible(attendee_id):
        raise NotFound("No such attendee in the meeting.")
    try:
        chime = clients.chime_meetings.get_attendee(MeetingId=meeting_id, AttendeeId=attendee_id)["Attendee"]
    except Exception as exc:
        if is_not_found(exc) or is_bad_request(exc):
            raise NotFound("No such attendee in the meeting.") from None
        raise
    attendee = to_attendee(record, chime)
    if attendee is None:
        raise NotFound("No such attendee in the meeting.")
    return attendee


def remove_attendee(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
                    attendee_id: str) -> dict[str, Any]:
    """AWS calls: GetItem, GetAttendee, DeleteAttendee, UpdateItem (the removed person waits
    again if they come back), SendChannelMessage `left`."""
    record, _ = load_for_caller(clients, settings, appointment_id, principal, role="doctor")
    meeting = live_meeting(clients, settings, record)
    attendee = _get_attendee(clients, record, meeting.meeting_id, attendee_id)
    if attendee.role == "doctor":
        raise Conflict("The doctor leaves by ending the meeting.")
    try:
        clients.chime_meetings.delete_attendee(MeetingId=meeting.meeting_id, AttendeeId=attendee.attendee_id)
    except Exception as exc:
        if not is_not_found(exc):
            raise
    external = _external_of(record, attendee)
    _forget_admission(clients, settings, record, meeting.meeting_id, external, attendee.user_id
                      if attendee.role in ("doctor", "patient") else None)
    post_meeting_event(clients, settings, record, acting_user_id=record.doctor_id, meeting_id=meeting.meeting_id,
                       status="left", via="phone" if attendee.role == "phone" else "web",
                       attendee_ids=[attendee.attendee_id], role=attendee.role, guest_id=attendee.guest_id)
    audit(clients, action="attendee.remove", resource_type="appointment", resource_id=record.appointment_id,
          principal=principal, settings=settings)
    log_event(logger, "attendee_removed", appointment_id=record.appointment_id, meeting_id=meeting.meeting_id,
              attendee_id=attendee.attendee_id, role=attendee.role)
    return {}


def _external_of(record: AppointmentRecord, attendee: Attendee) -> str:
    if attendee.role == "guest":
        return f"guest-{attendee.guest_id}"
    if attendee.role == "phone":
        return phone_external_user_id(record.patient_id)
    return attendee.user_id or ""


def _forget_admission(clients: AwsClients, settings: Settings, record: AppointmentRecord, meeting_id: str,
                      external: str, stored_user_id: str | None) -> None:
    """Drop the admission, and the stored attendee whose join token no longer works, so a
    patient who comes back gets a new attendee and waits again."""
    change = Update(delete={ADMITTED: {external}}, remove=((ATTENDEES, stored_user_id),) if stored_user_id else ())
    try:
        calling_write(clients, settings, record.appointment_id, change, condition=attr(MEETING_ID).eq(meeting_id))
    except Exception as exc:
        if not is_condition_failed(exc):
            raise


def mute_attendee(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
                  attendee_id: str, body: MuteRequest) -> AttendeeResponse:
    """AWS calls: GetItem, GetAttendee, UpdateAttendeeCapabilities (Audio Receive when muted,
    SendReceive when not; video and content as they are)."""
    record, _ = load_for_caller(clients, settings, appointment_id, principal, role="doctor")
    meeting = live_meeting(clients, settings, record)
    if not _plausible(attendee_id):
        raise NotFound("No such attendee in the meeting.")
    try:
        chime = clients.chime_meetings.get_attendee(MeetingId=meeting.meeting_id, AttendeeId=attendee_id)["Attendee"]
    except Exception as exc:
        if is_not_found(exc) or is_bad_request(exc):
            raise NotFound("No such attendee in the meeting.") from None
        raise
    if to_attendee(record, chime) is None:
        raise NotFound("No such attendee in the meeting.")
    caps = dict(chime.get("Capabilities") or {})
    if is_waiting(caps):
        raise Conflict("The attendee is waiting; admit it first.")
    caps["Audio"] = "Receive" if body.muted else "SendReceive"
    try:
        updated = clients.chime_meetings.update_attendee_capabilities(
            MeetingId=meeting.meeting_id, AttendeeId=chime["AttendeeId"], Capabilities=caps)["Attendee"]
    except Exception as exc:
        if is_not_found(exc):
            raise NotFound("No such attendee in the meeting.") from None
        raise
    attendee = to_attendee(record, updated)
    assert attendee is not None  # nosec B101: the same attendee as just checked
    audit(clients, action="attendee.mute", resource_type="appointment", resource_id=record.appointment_id,
          principal=principal, settings=settings)
    log_event(logger, "attendee_muted" if body.muted else "attendee_unmuted", appointment_id=record.appointment_id,
              attendee_id=attendee.attendee_id)
    return AttendeeResponse(attendee=attendee)
