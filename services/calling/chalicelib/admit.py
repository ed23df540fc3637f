"""POST /appointments/{id}/meeting/admit: the doctor lets waiting attendees in (all, or one).

The admission is recorded on the item by ExternalUserId (`meeting_admitted`), so a stale
meeting replaced by a new one lets the same people straight in; the first admit moves the
visit to `in_progress`.
"""
from __future__ import annotations

import logging
from typing import Any

from telehealth_shared.audit import audit
from telehealth_shared.appointment_item import calling_write
from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_bad_request, is_condition_failed, is_not_found
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, NotFound
from telehealth_shared.item_update import Update, attr
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import OPEN_STATUSES
from telehealth_shared.meeting_events import post_meeting_event
from telehealth_shared.models.calling import AdmitRequest, AttendeesResponse
from telehealth_shared.visit_meeting import ADMITTED_CAPABILITIES, is_waiting

from .parts.appointment_access import load_for_caller
from .host_controls import attendees_of, chime_attendees, live_meeting
from .parts.meeting_state import ADMITTED

logger = logging.getLogger("telehealth.calling.admit")


def admit(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
          body: AdmitRequest) -> AttendeesResponse:
    """AWS calls, one attendee: GetItem, UpdateAttendeeCapabilities, UpdateItem, SendChannelMessage;
    everyone waiting: GetItem, ListAttendees, BatchUpdateAttendeeCapabilitiesExcept (the doctor
    and those already in are excluded, so a muted attendee stays muted), UpdateItem,
    SendChannelMessage. Nobody waiting: no write and no message."""
    record, _ = load_for_caller(clients, settings, appointment_id, principal, role="doctor")
    meeting = live_meeting(clients, settings, record)
    if body.attendee_id:
        admitted = [_admit_one(clients, meeting.meeting_id, body.attendee_id)]
    else:
        everyone = chime_attendees(clients, meeting.meeting_id)
        waiting = [a for a in everyone if is_waiting(a.get("Capabilities"))
                   and a.get("ExternalUserId") != record.doctor_id]
        if not waiting:
            return AttendeesResponse(attendees=[])
        excluded = [{"AttendeeId": a["AttendeeId"]} for a in everyone if a not in waiting]
        kwargs: dict[str, Any] = {"MeetingId": meeting.meeting_id, "Capabilities": dict(ADMITTED_CAPABILITIES),
                                  "ExcludedAttendeeIds": excluded}
        if not excluded:
            # The list must not be empty; the doctor's own attendee (already admitted) is
            # always a safe exclusion.
            own = meeting.attendee_for(record.doctor_id)
            kwargs["ExcludedAttendeeIds"] = [{"AttendeeId": own["AttendeeId"] if own else waiting[0]["AttendeeId"]}]
            if not own:
                waiting = waiting[1:]
        clients.chime_meetings.batch_update_attendee_capabilities_except(**kwargs)
        admitted = [{**a, "Capabilities": dict(ADMITTED_CAPABILITIES)} for a in waiting]
    attendees = attendees_of(record, admitted)
    if not attendees:
        raise NotFound("No such attendee in the meeting.")
    _record_admission(clients, settings, record, [str(a["ExternalUserId"]) for a in admitted])
    post_meeting_event(clients, settings, record, acting_user_id=principal.user_id, meeting_id=meeting.meeting_id,
                       status="admitted", via="web", attendee_ids=[a.attendee_id for a in attendees])
    audit(clients, action="meeting.admit", resource_type="appointment", resource_id=record.appointment_id,
          principal=principal, settings=settings)
    log_event(logger, "attendees_admitted", appointment_id=record.appointment_id, meeting_id=meeting.meeting_id,
              count=len(attendees))
    return AttendeesResponse(attendees=attendees)


def _admit_one(clients: AwsClients, meeting_id: str, attendee_id: str) -> dict[str, Any]:
    try:
        return clients.chime_meetings.update_attendee_capabilities(
            MeetingId=meeting_id, AttendeeId=attendee_id, Capabilities=dict(ADMITTED_CAPABILITIES))["Attendee"]
    except Exception as exc:
        if is_not_found(exc) or is_bad_request(exc):
            raise NotFound("No such attendee in the meeting.") from None
        raise


def _record_admission(clients: AwsClients, settings: Settings, record: AppointmentRecord, external_ids: list[str]) -> None:
    """One UpdateItem: remember who is in, and the visit is in progress from its first admit."""
    try:
        calling_write(clients, settings, record.appointment_id,
                      Update(add={ADMITTED: set(external_ids)}, set={"status": "in_progress"}),
                      condition=attr("status").is_in(list(OPEN_STATUSES)))
    except Exception as exc:
        if is_condition_failed(exc):
            raise Conflict("The visit was closed meanwhile.") from None
        raise
