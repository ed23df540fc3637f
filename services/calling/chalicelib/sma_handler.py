"""The SIP media application handler: greets the patient, joins the call to the meeting on `1`.

Events and what they get:
- CALL_ANSWERED: a short pause, then the greeting with SpeakAndGetDigits (one digit, `1` only);
- ACTION_SUCCESSFUL of that SpeakAndGetDigits with `1`: a phone attendee (waiting until the
  doctor admits it), JoinChimeMeeting,
  and `accepted` via phone written to the channel as the patient;
- CALL_UPDATE_REQUESTED asking for a hang-up (the visit was cancelled or completed): Hangup;
- HANGUP of LEG-A: before joining, `declined` via phone; after joining, the phone attendee is
  deleted; HANGUP of LEG-B (the meeting side dropped, e.g. the meeting ended) hangs up the
  phone if it is still connected;
- a transaction with no call item: an apology, then Hangup;
- an event from another SIP media application or AWS account than the deployment's: Hangup,
  before anything is read;
- a `1` for a call that is no longer dialling (declined, hung up, already joined) or whose
  appointment is no longer scheduled or in progress: nothing is joined, the call is ended;
- anything else: a valid response with an empty action list.
It never raises: a failure is logged (event type, transaction id, sequence and error type,
never the event itself, which holds phone numbers) and answered with an apology or nothing.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Callable

from telehealth_shared.appointment_records import AppointmentRecord, load_appointment
from telehealth_shared.audit import audit
from telehealth_shared import metrics
from telehealth_shared.aws import AwsClients, default_clients
from telehealth_shared.call_legs import (DIALING, HANGUP_ARGUMENT, JOINED, mark_declined, mark_ended, mark_hung_up,
                                         mark_joined)
from telehealth_shared.chime_channel import request_token
from telehealth_shared.config import Settings
from telehealth_shared.log import log_event
from telehealth_shared.meeting_events import post_meeting_event
from telehealth_shared.models.common import format_utc
from telehealth_shared.visit_meeting import capabilities_for

from .parts import sma_actions as actions
from .parts.call_records import CallRecord, load_call
from .parts.chime_meetings import create_attendee, delete_attendee
from .parts.meeting_state import PATIENT_JOINED_AT, ActiveMeeting, phone_external_user_id
from .parts.meeting_store import mark_patient_joined
from .parts.sma_events import LEG_A, SmaEvent, is_from_this_deployment

logger = logging.getLogger("telehealth.calling.sma")

# The SIP media application gives up on a handler after 20 s (the function's timeout in
# .chalice/config.json too), so its AWS calls get tighter limits than the HTTP routes': a
# slow dependency must leave time to answer with an apology rather than be cut off.
def sma_clients() -> AwsClients:
    return default_clients().with_limits(connect_timeout=1, read_timeout=3, max_attempts=2)


# Events whose answer speaks to the caller: a failure while handling them is answered with
# an apology and a hang-up rather than silence.
_CONVERSATIONAL = frozenset({"CALL_ANSWERED", "ACTION_SUCCESSFUL"})


def handle_sma_event(clients: AwsClients, settings: Settings, raw_event: Any) -> dict[str, Any]:
    try:
        event = SmaEvent.model_validate(raw_event)
    except Exception as exc:
        log_event(logger, "sma_event_unreadable", logging.WARNING, error_type=type(exc).__name__)
        return actions.no_actions()
    log_event(logger, "sma_event", event_type=event.invocation_event_type, transaction_id=event.transaction_id,
              sequence=event.sequence, action_type=event.action_type)
    if not is_from_this_deployment(event, settings):
        # Ids only in the log line: the event's numbers never leave it.
        log_event(logger, "sma_event_refused", logging.WARNING, event_type=event.invocation_event_type,
                  transaction_id=event.transaction_id)
        return actions.response(actions.hangup(event.call_details.leg_a_call_id()))
    try:
        return _dispatch(clients, settings, event)
    except Exception as exc:  # the SIP media application must always get a valid answer
        log_event(logger, "sma_event_failed", logging.ERROR, event_type=event.invocation_event_type,
                  transaction_id=event.transaction_id, sequence=event.sequence, error_type=type(exc).__name__)
        if event.invocation_event_type in _CONVERSATIONAL:
            return actions.say_and_hang_up(event.call_details.leg_a_call_id(), actions.TECHNICAL_PROBLEM)
        return actions.no_actions()


def _dispatch(clients: AwsClients, settings: Settings, event: SmaEvent) -> dict[str, Any]:
    kind = event.invocation_event_type
    if kind == "CALL_ANSWERED":
        return _for_known_call(clients, settings, event, _answered)
    if kind == "ACTION_SUCCESSFUL" and event.action_type == "SpeakAndGetDigits":
        digits = event.action_data.received_digits if event.action_data else None
        if digits == actions.JOIN_DIGIT:
            return _for_known_call(clients, settings, event, _pressed_join)
        return actions.no_actions()
    if kind == "HANGUP":
        return _hung_up(clients, settings, event)
    if kind == "CALL_UPDATE_REQUESTED":
        return _update_requested(clients, settings, event)
    return actions.no_actions()


def _call_and_appointment(clients: AwsClients, settings: Settings,
                          event: SmaEvent) -> tuple[CallRecord | None, AppointmentRecord | None]:
    if not event.transaction_id:
        return None, None
    call = load_call(clients, settings, event.transaction_id)
    if call is None:
        return None, None
    return call, load_appointment(clients, settings, call.appointment_id)


def _for_known_call(clients: AwsClients, settings: Settings, event: SmaEvent,
                    handler: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """`handler(clients, settings, call_id, call, appointment)` for a call we placed, of an
    appointment that exists; an apology and a hang-up for any other transaction."""
    call_id = event.call_details.leg_a_call_id()
    call, appointment = _call_and_appointment(clients, settings, event)
    if call is None or appointment is None:
        log_event(logger, "sma_unknown_transaction", transaction_id=event.transaction_id)
        return actions.say_and_hang_up(call_id, actions.APOLOGY)
    return handler(clients, settings, call_id, call, appointment)


def _active_meeting_of(appointment: AppointmentRecord | None) -> ActiveMeeting | None:
    if appointment is None or not appointment.is_open:
        return None
    return ActiveMeeting.from_attributes(appointment.extra)


def _answered(clients: AwsClients, settings: Settings, call_id: str | None, call: CallRecord,
              appointment: AppointmentRecord) -> dict[str, Any]:
    if call.status != DIALING or _active_meeting_of(appointment) is None:
        return actions.say_and_hang_up(call_id, actions.CALL_OVER)
    if not call_id:
        return actions.no_actions()
    text = actions.greeting(appointment.patient_name, appointment.doctor_name)
    return actions.response(actions.pause(call_id, actions.ANSWER_PAUSE_MS),
                            actions.speak_and_get_join_digit(call_id, text))


def _pressed_join(clients: AwsClients, settings: Settings, call_id: str | None, call: CallRecord,
                  appointment: AppointmentRecord) -> dict[str, Any]:
    if call.status != DIALING:
        # Declined, hung up or already joined: a late or repeated digit joins nothing.
        log_event(logger, "sma_digit_ignored", transaction_id=call.transaction_id, call_status=call.status)
        return actions.response(actions.hangup(call_id)) if call_id and call.status != JOINED else actions.no_actions()
    # The appointment's meeting now, not the one at dialling time: if the doctor restarted
    # it meanwhile, the patient belongs in the new one.
    meeting = _active_meeting_of(appointment)
    # A dialled patient waits for the doctor's admit, like one joining on the web.
    phone_id = phone_external_user_id(call.patient_id)
    attendee = (create_attendee(clients, meeting.meeting_id, phone_id, capabilities_for(appointment.extra, phone_id))
                if meeting else None)
    if meeting is None or attendee is None or not call_id:
        return actions.say_and_hang_up(call_id, actions.CALL_OVER)
    if not mark_joined(clients, settings, call.transaction_id, meeting.meeting_id, attendee["AttendeeId"]):
        # The call left "dialing" meanwhile (a hang-up was handled between the read and now):
        # the attendee just made must not stay in the meeting.
        delete_attendee(clients, meeting.meeting_id, attendee["AttendeeId"])
        log_event(logger, "sma_digit_ignored", transaction_id=call.transaction_id, call_status="changed")
        return actions.response(actions.hangup(call_id))
    try:
        if PATIENT_JOINED_AT not in appointment.extra:
            mark_patient_joined(clients, settings, appointment.appointment_id, format_utc(datetime.now(timezone.utc)))
        post_meeting_event(clients, settings, appointment, acting_user_id=call.patient_id,
                           meeting_id=meeting.meeting_id, status="accepted", via="phone",
                           token=request_token(call.transaction_id, "accepted"))
    except Exception as exc:
        # Joining matters more than the history line: the patient is still connected.
        log_event(logger, "accepted_event_failed", logging.ERROR, transaction_id=call.transaction_id,
                  error_type=type(exc).__name__)
    _record(clients, settings, "meeting.join", call)
    metrics.count("PhoneCallsJoined")
    log_event(logger, "sma_joining_meeting", transaction_id=call.transaction_id, meeting_id=meeting.meeting_id,
              attendee_id=attendee["AttendeeId"])
    return actions.response(actions.join_chime_meeting(call_id, attendee["JoinToken"], meeting.meeting_id))


def _update_requested(clients: AwsClients, settings: Settings, event: SmaEvent) -> dict[str, Any]:
    """The visit ended (telehealth_shared.visit_meeting.hang_up_calls): hang up the phone.

    The call item is marked ended first, so the HANGUP that follows writes no `declined`."""
    arguments = (event.action_data.parameters.get("Arguments") if event.action_data else None) or {}
    if arguments != HANGUP_ARGUMENT:
        return actions.no_actions()
    if event.transaction_id:
        mark_hung_up(clients, settings, event.transaction_id)
    log_event(logger, "sma_hangup_requested", transaction_id=event.transaction_id)
    leg_a = event.call_details.participant(LEG_A)
    if leg_a is None or not leg_a.call_id or (leg_a.status or "").lower() != "connected":
        # Still ringing: there is no connected leg to hang up; if the patient answers, the
        # closed visit is told ("already ended") and the call hung up then.
        return actions.no_actions()
    return actions.response(actions.hangup(leg_a.call_id))


def _hung_up(clients: AwsClients, settings: Settings, event: SmaEvent) -> dict[str, Any]:
    tag = event.hangup_participant_tag or LEG_A
    if tag != LEG_A:
        # The meeting leg dropped (the meeting ended): do not leave the patient in silence.
        leg_a = event.call_details.participant(LEG_A)
        if leg_a is not None and leg_a.call_id and (leg_a.status or "").lower() == "connected":
            return actions.response(actions.hangup(leg_a.call_id))
        return actions.no_actions()
    if not event.transaction_id:
        return actions.no_actions()
    call = load_call(clients, settings, event.transaction_id)
    if call is None:
        return actions.no_actions()
    if call.status == JOINED and call.attendee_id and call.joined_meeting_id:
        delete_attendee(clients, call.joined_meeting_id, call.attendee_id)
        mark_ended(clients, settings, call.transaction_id)
        log_event(logger, "sma_phone_attendee_removed", transaction_id=call.transaction_id,
                  meeting_id=call.joined_meeting_id, attendee_id=call.attendee_id)
    elif call.status == DIALING:
        # Event first, status second: if the event cannot be written the call stays
        # "dialing" and a redelivered HANGUP writes it; once "declined", repeats do nothing.
        # One token per call: a HANGUP redelivered after the post but before the status
        # change does not write the event twice.
        appointment = load_appointment(clients, settings, call.appointment_id)
        if appointment is not None:
            post_meeting_event(clients, settings, appointment, acting_user_id=call.patient_id,
                               meeting_id=call.meeting_id, status="declined", via="phone",
                               token=request_token(call.transaction_id, "declined"))
        if mark_declined(clients, settings, call.transaction_id):
            _record(clients, settings, "meeting.decline", call)
            metrics.count("PhoneCallsDeclined")
    return actions.no_actions()


def _record(clients: AwsClients, settings: Settings, action: str, call: CallRecord) -> None:
    """The patient acted by phone: one audit event, which must never cost the call its answer."""
    try:
        audit(clients, action=action, resource_type="appointment", resource_id=call.appointment_id,
              outcome="allowed", actor_id=call.patient_id, actor_role="patient", settings=settings)
    except Exception as exc:
        log_event(logger, "sma_audit_failed", logging.ERROR, transaction_id=call.transaction_id,
                  error_type=type(exc).__name__)
