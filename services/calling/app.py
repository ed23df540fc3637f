"""The calling service: video meetings for appointments and phone calls into them."""
from telehealth_shared.auth import Principal
from telehealth_shared.aws import default_clients
from telehealth_shared.config import get_settings
from telehealth_shared.edge import TelehealthApp
from telehealth_shared.models.calling import MeetingOnly, MeetingWithAttendee, PhoneCallResponse, StartMeetingRequest

from chalicelib.decline_meeting import decline_meeting
from chalicelib.end_meeting import end_meeting
from chalicelib.get_meeting import get_meeting
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


@app.lambda_function(name="sma_handler")
def sma_handler(event, context):
    return handle_sma_event(sma_clients(), get_settings(), event)
