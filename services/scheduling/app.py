"""The scheduling service: appointments (create, list, read, move, cancel, outcome), guests, and
the reminder Lambda (which also runs the no-show step)."""
from chalice import Response

from telehealth_shared.auth import Principal
from telehealth_shared.aws import default_clients
from telehealth_shared.config import get_settings
from telehealth_shared.edge import TelehealthApp
from telehealth_shared.models.appointments import (Appointment, AppointmentsPage, CreateAppointmentRequest,
                                                   ListAppointmentsQuery, UpdateAppointmentRequest)
from telehealth_shared.models.guests import CreateGuestRequest, Guest, GuestsResponse

from chalicelib.cancel_appointment import cancel_appointment
from chalicelib.create_appointment import create_appointment
from chalicelib.get_appointment import get_appointment
from chalicelib.guests import invite_guest, list_guests, revoke_guest
from chalicelib.idempotency import HEADER as IDEMPOTENCY_HEADER
from chalicelib.list_appointments import list_appointments
from chalicelib.no_show_timer import STEP as NO_SHOW_STEP
from chalicelib.no_show_timer import handle_no_show
from chalicelib.send_reminder import send_reminder as handle_reminder
from chalicelib.update_appointment import update_appointment
from chalicelib.visit_outcome import complete_appointment, mark_no_show

app = TelehealthApp("scheduling")


@app.api_route("/appointments", methods=["POST"], roles=["doctor"], body=CreateAppointmentRequest, status=201,
               response=Appointment, errors=[409], headers=[IDEMPOTENCY_HEADER])
def create(principal: Principal, body: CreateAppointmentRequest):
    """Book an appointment with a patient (the caller is the doctor)."""
    outcome = create_appointment(default_clients(), get_settings(), principal, body,
                                 app.current_request.headers.get(IDEMPOTENCY_HEADER))
    # A replay answers as the original request did (201), and says that it is one.
    headers = {"Content-Type": "application/json"}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body=outcome.appointment.model_dump_json(), status_code=201, headers=headers)


@app.api_route("/appointments", methods=["GET"], roles=["doctor", "patient"], query=ListAppointmentsQuery,
               response=AppointmentsPage)
def list_mine(principal: Principal, query: ListAppointmentsQuery):
    """List the caller's own appointments by start time."""
    return list_appointments(default_clients(), get_settings(), principal, query)


@app.api_route("/appointments/{appointment_id}", methods=["GET"], response=Appointment, errors=[404])
def read(principal: Principal, appointment_id: str):
    """Read one appointment the caller takes part in."""
    return get_appointment(default_clients(), get_settings(), principal, appointment_id)


@app.api_route("/appointments/{appointment_id}", methods=["PATCH"], roles=["doctor"], body=UpdateAppointmentRequest,
               response=Appointment, errors=[404, 409])
def move(principal: Principal, appointment_id: str, body: UpdateAppointmentRequest):
    """Move or edit an appointment (its doctor); reminders move with it."""
    return update_appointment(default_clients(), get_settings(), principal, appointment_id, body)


@app.api_route("/appointments/{appointment_id}", methods=["DELETE"], response=Appointment, errors=[404, 409])
def cancel(principal: Principal, appointment_id: str):
    """Cancel an appointment (either participant); reminders stop, the meeting ends, the chat stays."""
    return cancel_appointment(default_clients(), get_settings(), principal, appointment_id)


@app.api_route("/appointments/{appointment_id}/complete", methods=["POST"], roles=["doctor"], response=Appointment,
               errors=[404, 409])
def complete(principal: Principal, appointment_id: str):
    """Record the visit as completed (its doctor); the meeting ends."""
    return complete_appointment(default_clients(), get_settings(), principal, appointment_id)


@app.api_route("/appointments/{appointment_id}/no-show", methods=["POST"], roles=["doctor"], response=Appointment,
               errors=[404, 409])
def no_show(principal: Principal, appointment_id: str):
    """Record that the patient did not come (its doctor, after the start time)."""
    return mark_no_show(default_clients(), get_settings(), principal, appointment_id)


GUESTS = "/appointments/{appointment_id}/guests"


@app.api_route(GUESTS, methods=["POST"], roles=["doctor"], body=CreateGuestRequest, status=201, response=Guest,
               errors=[404, 409])
def invite(principal: Principal, appointment_id: str, body: CreateGuestRequest):
    """Invite a guest (its doctor); the guest is texted a one-time join code."""
    return invite_guest(default_clients(), get_settings(), principal, appointment_id, body)


@app.api_route(GUESTS, methods=["GET"], response=GuestsResponse, errors=[404])
def guests(principal: Principal, appointment_id: str):
    """The visit's guests (either participant); never their contact details."""
    return list_guests(default_clients(), get_settings(), principal, appointment_id)


@app.api_route(GUESTS + "/{guest_id}", methods=["DELETE"], roles=["doctor"], response=Guest, errors=[404])
def revoke(principal: Principal, appointment_id: str, guest_id: str):
    """Revoke a guest's code (its doctor); a guest already in the meeting is removed."""
    return revoke_guest(default_clients(), get_settings(), principal, appointment_id, guest_id)


@app.lambda_function(name="send_reminder")
def send_reminder(event, context):
    # One function for both steps of the reminders state machine (one Lambda to deploy and grant).
    if isinstance(event, dict) and event.get("step") == NO_SHOW_STEP:
        return handle_no_show(default_clients(), get_settings(), event)
    return handle_reminder(default_clients(), get_settings(), event)
