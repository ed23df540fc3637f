"""The messaging service: presence (check-in/out), chat on the appointment's channel, and the
caller's real-time session URL."""
from telehealth_shared.auth import Principal
from telehealth_shared.aws import default_clients
from telehealth_shared.config import get_settings
from telehealth_shared.edge import TelehealthApp
from telehealth_shared.models.messaging import (Message, MessagesPage, MessagesQuery, PresenceResponse,
                                                SendMessageRequest, SessionResponse, WaitingRoomResponse)

from chalicelib.list_messages import list_messages
from chalicelib.presence import get_presence, set_presence
from chalicelib.send_message import send_message
from chalicelib.session_url import create_session
from chalicelib.waiting_room import waiting_room

app = TelehealthApp("messaging")


@app.api_route("/appointments/{appointment_id}/check-in", methods=["POST"], response=PresenceResponse,
               errors=[404, 409])
def check_in(principal: Principal, appointment_id: str):
    """Check the caller in (announced on the appointment's channel); 409 when cancelled."""
    return set_presence(default_clients(), get_settings(), principal, appointment_id, "checked_in")


@app.api_route("/appointments/{appointment_id}/check-out", methods=["POST"], response=PresenceResponse,
               errors=[404, 409])
def check_out(principal: Principal, appointment_id: str):
    """Set the caller's presence back to `added` (announced); 409 when cancelled."""
    return set_presence(default_clients(), get_settings(), principal, appointment_id, "added")


@app.api_route("/appointments/{appointment_id}/presence", methods=["GET"], response=PresenceResponse,
               errors=[404])
def presence(principal: Principal, appointment_id: str):
    """Both participants' presence."""
    return get_presence(default_clients(), get_settings(), principal, appointment_id)


@app.api_route("/appointments/{appointment_id}/messages", methods=["POST"], body=SendMessageRequest, status=201,
               response=Message, errors=[404, 409])
def post_message(principal: Principal, appointment_id: str, body: SendMessageRequest):
    """Send a chat message as the caller; 409 when the appointment is cancelled."""
    return send_message(default_clients(), get_settings(), principal, appointment_id, body)


@app.api_route("/appointments/{appointment_id}/messages", methods=["GET"], query=MessagesQuery,
               response=MessagesPage, errors=[404])
def get_messages(principal: Principal, appointment_id: str, query: MessagesQuery):
    """The newest page of the chat, oldest first; next_token pages further back."""
    return list_messages(default_clients(), get_settings(), principal, appointment_id, query)


@app.api_route("/session", methods=["GET"], response=SessionResponse)
def session(principal: Principal):
    """A short-lived presigned websocket URL for the caller's own messaging session."""
    return create_session(default_clients(), get_settings(), principal)


@app.api_route("/waiting-room", methods=["GET"], roles=["doctor"], response=WaitingRoomResponse)
def waiting(principal: Principal):
    """The doctor's open visits from an hour ago to an hour ahead, with presence and meeting state."""
    return waiting_room(default_clients(), get_settings(), principal)
