"""POST /appointments/{id}/phone-call: the doctor has the patient's phone dialled into the meeting.

Ordering with the SIP media application: its handler may see NEW_OUTBOUND_CALL and RINGING
before the call item below is written, but it ignores those; the item is first needed at
CALL_ANSWERED, which takes a person picking up, seconds after the item is written. If the
write fails, the handler finds no item when the patient answers, apologises and hangs up,
and the doctor gets 503.
"""
from __future__ import annotations

import logging

from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import USER_NOT_FOUND, is_aws_failure, translate
from telehealth_shared.config import Settings
from telehealth_shared.contact import reachable_number
from telehealth_shared.errors import Conflict
from telehealth_shared.log import log_event
from telehealth_shared.meeting_events import post_meeting_event
from telehealth_shared.models.calling import PhoneCallResponse

from .parts.appointment_access import load_for_caller
from .parts.call_limit import give_back_slot, take_slot
from .parts.call_records import CallRecord, put_call
from .parts.ensure_meeting import CREATED, ensure_meeting, undo_created

logger = logging.getLogger("telehealth.calling.phone_call")


def patient_phone_number(clients: AwsClients, settings: Settings, patient_id: str) -> str:
    """The patient's number from Cognito (the username is the user's sub), never from a request."""
    try:
        user = clients.cognito.admin_get_user(UserPoolId=settings.require("user_pool_id"), Username=patient_id)
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc, {USER_NOT_FOUND: Conflict("The patient's account no longer exists.")}) from exc
        raise
    attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    if not attributes.get("phone_number"):
        raise Conflict("The patient has no phone number.")
    number = reachable_number(attributes)
    if number is None:
        raise Conflict("The patient's new phone number is not confirmed yet; it cannot be called until it is.")
    return number


@audit_action("call.place", change=True)
def place_phone_call(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> PhoneCallResponse:
    record, _ = load_for_caller(clients, settings, appointment_id, principal, role="doctor")
    if not settings.pstn_enabled:
        # Chime SDK PSTN audio is in maintenance mode: a deployment without it has no phone calls.
        raise Conflict("Phone calls are not available on this deployment (PSTN audio is turned off).")
    sma_id = settings.require("sip_media_application_id")
    from_number = settings.require("phone_number")
    # Before any meeting is created, so a patient without a usable number costs nothing.
    to_number = patient_phone_number(clients, settings, record.patient_id)
    # The limit is taken before anything is created: a refused call leaves nothing behind.
    slot = take_slot(clients, settings, record.appointment_id, record.extra)
    try:
        ensured = ensure_meeting(clients, settings, record)
    except Exception:
        _give_back(clients, settings, record.appointment_id, slot)
        raise
    meeting_id = ensured.meeting.meeting_id
    try:
        response = clients.chime_voice.create_sip_media_application_call(
            FromPhoneNumber=from_number,
            ToPhoneNumber=to_number,
            SipMediaApplicationId=sma_id,
            # Ids only: these arguments appear in the handler's events and in AWS's logs.
            ArgumentsMap={"appointment_id": record.appointment_id, "meeting_id": meeting_id},
        )
    except Exception as exc:
        if ensured.outcome == CREATED:
            undo_created(clients, settings, record.appointment_id, meeting_id)
        _give_back(clients, settings, record.appointment_id, slot)
        if is_aws_failure(exc):
            # A BadRequest stays a 503: the numbers come from Cognito (validated E.164) and from
            # settings, and an unknown SIP media application is also answered with BadRequest,
            # so it points at the deployment, not at the caller.
            raise translate(exc) from exc
        raise
    transaction_id = response["SipMediaApplicationCall"]["TransactionId"]
    put_call(clients, settings, CallRecord.new(transaction_id, record.appointment_id, meeting_id,
                                               patient_id=record.patient_id, doctor_id=record.doctor_id))
    log_event(logger, "phone_call_placed", appointment_id=record.appointment_id, meeting_id=meeting_id,
              transaction_id=transaction_id, meeting_outcome=ensured.outcome)
    if ensured.outcome == CREATED:
        # Web clients learn of the meeting from this event; an already active meeting was
        # announced when it started, and the call's outcome is written by the handler.
        try:
            post_meeting_event(clients, settings, record, acting_user_id=principal.user_id,
                               meeting_id=meeting_id, status="invited", via="phone")
        except Exception as exc:
            # The call is already ringing; failing the request now would only invite a
            # second call. The patient's answer is still written by the handler.
            log_event(logger, "invitation_event_failed", logging.ERROR, appointment_id=record.appointment_id,
                      meeting_id=meeting_id, error_type=type(exc).__name__)
    return PhoneCallResponse(transaction_id=transaction_id, meeting_id=meeting_id)


def _give_back(clients: AwsClients, settings: Settings, appointment_id: str, slot: int) -> None:
    """Nothing rang: the call does not count against the limit."""
    try:
        give_back_slot(clients, settings, appointment_id, slot)
    except Exception as exc:
        log_event(logger, "call_slot_not_returned", logging.WARNING, appointment_id=appointment_id,
                  error_type=type(exc).__name__)
