"""POST /guest/join: a guest with a one-time code gets the meeting and a waiting attendee.

No account: the code is the credential. Every refusal (unknown, used, revoked, outside its
window, visit closed) is the same 404, so the answer never tells whether a code exists.
Single use: the claim is a conditional update of the guest's status (invited → joined) on
the appointment item, so of two joins with one code one wins and the other gets 404.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from telehealth_shared import guest_records as records
from telehealth_shared.audit import audit
from telehealth_shared.appointment_item import calling_write, key
from telehealth_shared.appointment_records import load_appointment
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_condition_failed
from telehealth_shared.config import Settings
from telehealth_shared.errors import NotFound
from telehealth_shared.item_update import Update, attr
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import OPEN_STATUSES
from telehealth_shared.meeting_events import post_meeting_event
from telehealth_shared.models.calling import GuestJoinRequest, MeetingWithAttendee
from telehealth_shared.models.common import format_utc
from telehealth_shared.visit_meeting import capabilities_for

from .parts.chime_meetings import create_attendee
from .parts.ensure_meeting import ensure_meeting
from .parts.meeting_state import guest_external_user_id

logger = logging.getLogger("telehealth.calling.guest_join")

_REFUSED = "No such invitation, or it cannot be used now."


def guest_join(clients: AwsClients, settings: Settings, body: GuestJoinRequest) -> MeetingWithAttendee:
    """The meeting and the guest's attendee; every use of a code, refused ones included, is
    audited (actor `guest:<guest_id>`, or `guest:unknown` for a code that matches nothing).

    AWS calls: GetItem (code), GetItem (appointment), CreateAttendee, UpdateItem (claim),
    SendChannelMessage `waiting`; plus creating the meeting when none is active yet (a guest
    may wait before the doctor starts).
    """
    used = _Use()
    try:
        joined = _join(clients, settings, body, used)
    except NotFound:
        _audit(clients, settings, used, "denied")
        raise
    _audit(clients, settings, used, "allowed")
    return joined


class _Use:
    """Who used the code on what, as far as the code told (for the audit event)."""

    guest_id: str | None = None
    appointment_id: str | None = None


def _audit(clients: AwsClients, settings: Settings, used: _Use, outcome: str) -> None:
    audit(clients, action="guest.join", resource_type="appointment" if used.appointment_id else "guest_code",
          resource_id=used.appointment_id or "unknown", outcome=outcome,
          actor_id=f"guest:{used.guest_id or 'unknown'}", actor_role="guest", settings=settings)


def _join(clients: AwsClients, settings: Settings, body: GuestJoinRequest, used: _Use) -> MeetingWithAttendee:
    table = settings.require("appointments_table")
    found = clients.dynamodb.get_item(TableName=table, Key=key(records.code_key(body.code)), ConsistentRead=True)
    item = found.get("Item")
    if not item:
        raise NotFound(_REFUSED)
    appointment_id, guest_id = item["for_appointment"]["S"], item["guest_id"]["S"]
    used.appointment_id, used.guest_id = appointment_id, guest_id
    record = load_appointment(clients, settings, appointment_id)
    now = datetime.now(timezone.utc)
    entry = records.guests_of(record).get(guest_id) if record else None
    if record is None or entry is None or entry.get("status") != "invited" or not record.is_open:
        raise NotFound(_REFUSED)
    opens, closes = records.window(record)
    if not opens <= now <= closes:
        raise NotFound(_REFUSED)
    meeting = ensure_meeting(clients, settings, record).meeting
    external = guest_external_user_id(guest_id)
    # Created before the claim: two racing joins get the same attendee (ExternalUserId is
    # Chime's idempotency key), and only the winner of the claim is handed it.
    attendee = create_attendee(clients, meeting.meeting_id, external, capabilities_for(record.extra, external))
    if attendee is None:
        raise NotFound(_REFUSED)
    try:
        guest = records.guest_attribute(guest_id)
        calling_write(clients, settings, appointment_id,
                      Update(set={(guest, "status"): "joined", (guest, "attendee_id"): attendee["AttendeeId"],
                                  (guest, "meeting_id"): meeting.meeting_id, (guest, "joined_at"): format_utc(now)}),
                      condition=attr(f"{guest}.status").eq("invited") & attr("status").is_in(list(OPEN_STATUSES)))
    except Exception as exc:
        if is_condition_failed(exc):
            raise NotFound(_REFUSED) from None
        raise
    try:
        post_meeting_event(clients, settings, record, acting_user_id=record.doctor_id, meeting_id=meeting.meeting_id,
                           status="waiting", via="web", attendee_ids=[attendee["AttendeeId"]], role="guest",
                           guest_id=guest_id)
    except Exception as exc:
        # The guest is in the waiting room either way; the doctor's list of attendees shows it.
        log_event(logger, "guest_waiting_event_failed", logging.ERROR, appointment_id=appointment_id,
                  error_type=type(exc).__name__)
    log_event(logger, "guest_joined", appointment_id=appointment_id, guest_id=guest_id, meeting_id=meeting.meeting_id)
    return MeetingWithAttendee(meeting=meeting.meeting, attendee=attendee)
