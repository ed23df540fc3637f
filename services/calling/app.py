"""The calling service: video meetings for appointments and phone calls into them."""
from telehealth_shared.auth import Principal
from telehealth_shared.aws import default_clients
from telehealth_shared.config import get_settings
from telehealth_shared.edge import TelehealthApp
from telehealth_shared.models.calling import (AdmitRequest, AttendeeResponse, AttendeesResponse, GuestJoinRequest,
                                              MeetingOnly, MeetingWithAttendee, MuteRequest, PhoneCallResponse,
                                              StartMeetingRequest)

from chalicelib.admit import admit as admit_attendees
from chalicelib.decline_meeting import decline_meeting
from chalicelib.end_meeting import end_meeting
from chalicelib.get_meeting import get_meeting
from chalicelib.guest_join import guest_join
from chalicelib.host_controls import list_attendees, mute_attendee, remove_attendee
from chalicelib.join_meeting import join_meeting
from chalicelib.place_phone_call import place_phone_call
from chalicelib.sma_handler import handle_sma_event, sma_clients
from chalicelib.start_meeting import start_meeting

app = TelehealthApp("calling")

MEETING = "/appointments/{appointment_id}/meeting"


@app.api_route(MEETING, methods=["POST"], roles=["doctor"], body=StartMeetingRequest, body_required=False, status=201,
               response=MeetingWithAttendee, errors=[409])
def start(appointment_id: str, principal: Principal, body: StartMeetingRequest):
    """Start the appointment's meeting (or reuse the active one) and invite the patient."""
    return start_meeting(default_clients(), get_settings(), principal, appointment_id, body)


@app.api_route(MEETING, methods=["GET"], response=MeetingOnly)
def show(appointment_id: str, principal: Principal):
    """The appointment's active meeting; 404 when none is active."""
    return get_meeting(default_clients(), get_settings(), principal, appointment_id)


@app.api_route(MEETING + "/join", methods=["POST"], response=MeetingWithAttendee, errors=[409])
def join(appointment_id: str, principal: Principal):
    """Join the active meeting: the meeting and the caller's own attendee."""
    return join_meeting(default_clients(), get_settings(), principal, appointment_id)


@app.api_route(MEETING + "/decline", methods=["POST"], roles=["patient"], errors=[409])
def decline(appointment_id: str, principal: Principal):
    """Decline the invitation to the active meeting."""
    return decline_meeting(default_clients(), get_settings(), principal, appointment_id)


@app.api_route(MEETING, methods=["DELETE"], roles=["doctor"], errors=[409])
def end(appointment_id: str, principal: Principal):
    """End the active meeting for everyone."""
    return end_meeting(default_clients(), get_settings(), principal, appointment_id)


@app.api_route("/appointments/{appointment_id}/phone-call", methods=["POST"], roles=["doctor"], status=202,
               response=PhoneCallResponse, errors=[409, 429])
def phone_call(appointment_id: str, principal: Principal):
    """Dial the patient's phone into the meeting (starting one if none is active)."""
    return place_phone_call(default_clients(), get_settings(), principal, appointment_id)


@app.api_route(MEETING + "/admit", methods=["POST"], roles=["doctor"], body=AdmitRequest, body_required=False,
               response=AttendeesResponse, errors=[404, 409])
def admit(appointment_id: str, principal: Principal, body: AdmitRequest):
    """Admit waiting attendees (all of them, or `attendee_id`); the first admit starts the visit."""
    return admit_attendees(default_clients(), get_settings(), principal, appointment_id, body)


@app.api_route(MEETING + "/attendees", methods=["GET"], response=AttendeesResponse, errors=[404, 409])
def attendees(appointment_id: str, principal: Principal):
    """Who is in the meeting: role, waiting or admitted, muted (never contact details)."""
    return list_attendees(default_clients(), get_settings(), principal, appointment_id)


@app.api_route(MEETING + "/attendees/{attendee_id}", methods=["DELETE"], roles=["doctor"], errors=[404, 409])
def remove(appointment_id: str, attendee_id: str, principal: Principal):
    """Remove an attendee from the meeting (its join token stops working)."""
    return remove_attendee(default_clients(), get_settings(), principal, appointment_id, attendee_id)


@app.api_route(MEETING + "/attendees/{attendee_id}/mute", methods=["POST"], roles=["doctor"], body=MuteRequest,
               response=AttendeeResponse, errors=[404, 409])
def mute(appointment_id: str, attendee_id: str, principal: Principal, body: MuteRequest):
    """Mute or unmute an admitted attendee's audio (video stays)."""
    return mute_attendee(default_clients(), get_settings(), principal, appointment_id, attendee_id, body)


@app.api_route("/guest/join", methods=["POST"], auth=False, body=GuestJoinRequest, response=MeetingWithAttendee,
               errors=[404])
def join_as_guest(body: GuestJoinRequest):
    """Join a visit's meeting with a guest's one-time code (waits until the doctor admits)."""
    return guest_join(default_clients(), get_settings(), body)


@app.lambda_function(name="sma_handler")
def sma_handler(event, context):
    return handle_sma_event(sma_clients(), get_settings(), event)
