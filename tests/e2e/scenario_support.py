"""Shared pieces of the end-to-end tests: the four-service stack, people signed up through the
identity API, the websocket reader, request-id capture, and the whole visit played over HTTP."""
from __future__ import annotations

import contextlib
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

import requests
from websockets.sync.client import connect

from stack_fixture import LocalStack, start_stack, wait_for
from telehealth_client import ApiError, ServiceUrls, TelehealthClient
from telehealth_client.client import LocalControl
from telehealth_local.layout import SERVICES

PASSWORD_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REMINDER_TEXT = "Check in for your appointment with {}."
GREETING = "Hi {patient}, you have an appointment with {doctor}. Press 1 to join the call."


@contextlib.contextmanager
def four_service_stack() -> Iterator[LocalStack]:
    """The endpoint plus identity, scheduling, messaging and calling as separate processes,
    as `make run` starts them."""
    with start_stack(services=list(SERVICES)) as running:
        yield running


def service_urls(stack: LocalStack) -> ServiceUrls:
    return ServiceUrls(*(stack.url(name) for name in SERVICES))


def seconds_ahead(seconds: float) -> datetime:
    # Whole seconds: the reminder's Wait state works in seconds, and the API answers in them.
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).replace(microsecond=0)


def parse_utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# -- request ids ---------------------------------------------------------------------------
@dataclass
class Exchange:
    method: str
    url: str
    status: int
    request_id: str | None


class RequestRecorder:
    """Keeps every response's method, URL, status and x-request-id, for checking the logs."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def session(self) -> requests.Session:
        session = requests.Session()
        session.hooks["response"].append(self._record)
        return session

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.exchanges.append(Exchange(response.request.method or "", response.url, response.status_code,
                                       response.headers.get("x-request-id")))

    def to(self, base_url: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.url.startswith(base_url + "/")]


# -- people ----------------------------------------------------------------------------------
_phones_used: set[str] = set()


def unique_phone() -> str:
    """A fictional US number (555-01xx) no other person of this test process has: the SMS
    outbox and the phone simulator are read by number."""
    for _ in range(1000):
        number = f"+1415555{secrets.randbelow(100):04d}"
        if number not in _phones_used:
            _phones_used.add(number)
            return number
    raise RuntimeError("ran out of fictional phone numbers")


def strong_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(16)) + "!7aZ"


@dataclass
class Person:
    client: TelehealthClient
    role: str
    name: str
    email: str
    password: str
    phone_number: str
    user_id: str = ""
    confirmation_code: str = ""
    app_instance_user_arn: str = ""
    token_history: list[str] = field(default_factory=list)

    def remember_tokens(self) -> None:
        tokens = self.client.tokens
        if tokens is not None:
            self.token_history += [tokens.id_token, tokens.access_token, tokens.refresh_token]


def new_person(stack: LocalStack, role: str, name: str, recorder: RequestRecorder | None = None) -> Person:
    """Someone who has not signed up yet (an anonymous client with made-up details)."""
    session = recorder.session() if recorder else requests.Session()
    return Person(client=TelehealthClient(service_urls(stack), session=session), role=role, name=name,
                  email=f"{role}-{secrets.token_hex(5)}@example.com", password=strong_password(),
                  phone_number=unique_phone())


def confirmation_code(control: LocalControl, email: str, timeout: float = 10.0) -> str:
    return wait_for(lambda: [m["code"] for m in control.emails() if m.get("to") == email and m.get("code")],
                    timeout, message=f"a confirmation e-mail to {email}")[-1]


def invitation_code(person: Person, control: LocalControl) -> str | None:
    """A doctor's or admin's code: the stack's clinic admin invites the person, the code is e-mailed."""
    if person.role == "patient":
        return None
    admin = TelehealthClient(person.client.urls)
    admin.sign_in(*control.admin_credentials())
    admin.invite(person.email, person.name, person.role)

    def code() -> str | None:
        try:
            return control.invitation_code(person.email)
        except LookupError:
            return None

    return wait_for(code, 10.0, message=f"an invitation e-mail to {person.email}")


def sign_up(person: Person, control: LocalControl) -> Person:
    """(An admin's invitation for a doctor,) POST /signup, the e-mailed code to POST /confirm,
    POST /signin, then GET /me."""
    signed_up = person.client.sign_up(person.email, person.password, person.name, person.phone_number, person.role,
                                      invitation_code=invitation_code(person, control))
    assert (signed_up.email, signed_up.role, signed_up.confirmed) == (person.email, person.role, False)
    person.user_id = signed_up.user_id
    person.confirmation_code = confirmation_code(control, person.email)
    person.client.confirm(person.email, person.confirmation_code)
    person.client.sign_in(person.email, person.password)
    person.remember_tokens()
    me = person.client.me()
    assert (me.user_id, me.email, me.name, me.phone_number, me.role) == (
        person.user_id, person.email, person.name, person.phone_number, person.role)
    person.app_instance_user_arn = me.app_instance_user_arn
    return person


def signed_up(stack: LocalStack, role: str, name: str, recorder: RequestRecorder | None = None) -> Person:
    return sign_up(new_person(stack, role, name, recorder), LocalControl(stack.endpoint_url))


# -- websocket ---------------------------------------------------------------------------------
def event_type(frame: dict[str, Any]) -> str:
    return frame["Headers"]["x-amz-chime-event-type"]


def next_frame(ws: Any, wanted_type: str, accept: Callable[[dict[str, Any]], bool] = lambda payload: True,
               timeout: float = 10.0) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The next frame of `wanted_type` whose payload `accept`s, skipping others (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {wanted_type} frame within {timeout}s")
        frame = json.loads(ws.recv(timeout=remaining))
        if event_type(frame) != wanted_type:
            continue
        payload = json.loads(frame["Payload"]) if frame["Payload"] else None
        if accept(payload):
            return frame, payload


def metadata(payload: dict[str, Any]) -> dict[str, Any]:
    return json.loads(payload.get("Metadata") or "{}")


# -- the phone -----------------------------------------------------------------------------------
def call_state(control: LocalControl, transaction_id: str) -> dict[str, Any]:
    return next(c for c in control.calls() if c["transaction_id"] == transaction_id)


def wait_call(control: LocalControl, transaction_id: str, condition: Callable[[dict[str, Any]], bool],
              what: str, timeout: float = 10.0) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        call = call_state(control, transaction_id)
        return call if condition(call) else None

    return wait_for(probe, timeout, message=what)


def meeting_events(person: Person, appointment_id: str) -> list[dict[str, Any]]:
    """(status, via, meeting_id, sender role) of the `meeting` messages in the history, oldest first."""
    history = person.client.messages(appointment_id, limit=100).messages
    return [{**(m.data or {}), "sender_role": m.sender.role} for m in history if m.kind == "meeting"]


def sms_to(control: LocalControl, number: str) -> list[dict[str, Any]]:
    return [m for m in control.sms() if m["to"] == number]


# -- the whole visit -----------------------------------------------------------------------------
@dataclass
class Visit:
    """What the visit saw at each step, for the tests to check (and the texts it used, to look
    for in the logs)."""
    doctor: Person
    patient: Person
    reason: str
    doctor_text: str
    patient_text: str
    found: Any = None
    found_before: Any = None
    found_by_name: Any = None
    appointment: Any = None
    doctor_list: Any = None
    patient_list: Any = None
    presence: Any = None
    session: Any = None
    first_frame: dict[str, Any] | None = None
    chat_frame: dict[str, Any] | None = None
    invite_frame: dict[str, Any] | None = None
    sent_by_doctor: Any = None
    sent_by_patient: Any = None
    chat_history: list[Any] = field(default_factory=list)
    started: Any = None
    joined: Any = None
    current_meeting: Any = None
    phone: Any = None
    ringing: dict[str, Any] | None = None
    answered: dict[str, Any] | None = None
    in_meeting: dict[str, Any] | None = None
    after_hangup: dict[str, Any] | None = None
    events_after_phone: list[dict[str, Any]] = field(default_factory=list)
    doctor_sms: list[dict[str, Any]] = field(default_factory=list)
    patient_sms: list[dict[str, Any]] = field(default_factory=list)
    reminder_claims: set[str] = field(default_factory=set)
    cancelled: Any = None
    check_in_after_cancel: ApiError | None = None
    final_history: list[Any] = field(default_factory=list)

    def phi(self) -> dict[str, str]:
        """Every personal or secret text the visit used, labelled (for the log scan)."""
        found: dict[str, str] = {}
        for who in (self.doctor, self.patient):
            found[f"{who.role} name"] = who.name
            for number, part in enumerate(who.name.split()):
                if len(part) >= 4:  # "Dr" would match ordinary words
                    found[f"{who.role} name part {number}"] = part
            found[f"{who.role} e-mail"] = who.email
            found[f"{who.role} e-mail local part"] = who.email.split("@")[0]
            found[f"{who.role} phone"] = who.phone_number
            found[f"{who.role} phone without +"] = who.phone_number.lstrip("+")
            found[f"{who.role} national number"] = who.phone_number[-10:]
            found[f"{who.role} password"] = who.password
            found[f"{who.role} confirmation code"] = who.confirmation_code
            for number, token in enumerate(dict.fromkeys(who.token_history)):
                found[f"{who.role} token {number}"] = token
                # A logged fragment (a JWT's claims or signature) is as bad as the whole.
                for part_number, part in enumerate(token.split(".")[1:], start=1):
                    if len(part) >= 16:
                        found[f"{who.role} token {number} segment {part_number}"] = part
        found["reason"] = self.reason
        found["doctor's message"] = self.doctor_text
        found["patient's message"] = self.patient_text
        for label, text in (("doctor's message", self.doctor_text), ("patient's message", self.patient_text)):
            found[f"{label} marker"] = max(text.split(), key=len).strip(",.!?")
        found["greeting"] = GREETING.format(patient=self.patient.name, doctor=self.doctor.name)
        found["reminder"] = REMINDER_TEXT.format(self.patient.name)
        return found


def play_visit(stack: LocalStack, recorder: RequestRecorder | None = None, lead_seconds: float = 8.0) -> Visit:
    """The whole visit through the services' HTTP APIs, the websocket and the control API.

    Each step checks just enough to go on; the tests check what the Visit recorded.
    """
    control = LocalControl(stack.endpoint_url)
    doctor = signed_up(stack, "doctor", "Dr Zebulon Quillfeather", recorder)
    patient = signed_up(stack, "patient", "Marigold Thistlewood", recorder)
    visit = Visit(doctor=doctor, patient=patient, reason="Recurring migraines after the fall",
                  doctor_text="Hello Marigold, has the xylophonic headache eased since Tuesday?",
                  patient_text="Mostly, doctor; only the quizzically sharp one remains.")

    # A new patient is found by the address they give; once booked, by name among the doctor's own.
    visit.found_before = doctor.client.patients(q="Marigold Thistle")
    visit.found = doctor.client.patients(email=patient.email.upper())
    assert any(p.user_id == patient.user_id for p in visit.found.patients), visit.found
    visit.appointment = doctor.client.create_appointment(patient.user_id, seconds_ahead(lead_seconds), 30,
                                                         visit.reason, idempotency_key=secrets.token_hex(8))
    appointment_id = visit.appointment.appointment_id
    visit.found_by_name = doctor.client.patients(q="Marigold Thistle")
    visit.doctor_list = doctor.client.appointments()
    visit.patient_list = patient.client.appointments()
    visit.presence = patient.client.check_in(appointment_id)

    visit.session = patient.client.session()
    with connect(visit.session.websocket_url, open_timeout=5, close_timeout=2) as ws:
        visit.first_frame = json.loads(ws.recv(timeout=5))
        visit.sent_by_doctor = doctor.client.send_message(appointment_id, visit.doctor_text, client_id="doctor-web-1")
        _, visit.chat_frame = next_frame(ws, "CREATE_CHANNEL_MESSAGE",
                                         lambda p: p["MessageId"] == visit.sent_by_doctor.message_id)
        visit.started = doctor.client.start_meeting(appointment_id)
        _, visit.invite_frame = next_frame(ws, "CREATE_CHANNEL_MESSAGE",
                                           lambda p: metadata(p).get("kind") == "meeting")
    visit.sent_by_patient = patient.client.send_message(appointment_id, visit.patient_text)
    visit.chat_history = doctor.client.messages(appointment_id).messages
    visit.joined = patient.client.join_meeting(appointment_id)
    visit.current_meeting = patient.client.meeting(appointment_id)

    visit.phone = doctor.client.phone_call(appointment_id)
    transaction_id = visit.phone.transaction_id
    visit.ringing = wait_call(control, transaction_id, lambda c: c["status"] == "ringing", "the phone to ring")
    control.answer(transaction_id)
    visit.answered = wait_call(control, transaction_id, lambda c: bool(c["spoken"]), "the greeting")
    control.press(transaction_id, "1")
    visit.in_meeting = wait_call(control, transaction_id, lambda c: c["status"] == "joined", "the phone to join")
    visit.events_after_phone = meeting_events(patient, appointment_id)
    control.hang_up(transaction_id)
    visit.after_hangup = wait_call(control, transaction_id, lambda c: c["status"] == "ended", "the call to end")

    # The reminder Lambda claims everyone still `added` in one write before texting each of
    # them: once the doctor's text is here, the claim shows whether the patient was due too.
    remaining = (visit.appointment.starts_at - datetime.now(timezone.utc)).total_seconds()
    visit.doctor_sms = wait_for(lambda: sms_to(control, doctor.phone_number), timeout=max(remaining, 0) + 20,
                                interval=0.2, message="the reminder SMS to the doctor")
    item = stack.client("dynamodb").get_item(
        TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"], ConsistentRead=True,
        Key={"appointment_id": {"S": appointment_id}})["Item"]
    visit.reminder_claims = set(item.get("reminders_sent", {}).get("SS", []))
    visit.patient_sms = sms_to(control, patient.phone_number)

    visit.cancelled = doctor.client.cancel_appointment(appointment_id)
    try:
        patient.client.check_in(appointment_id)
    except ApiError as error:
        visit.check_in_after_cancel = error
    visit.final_history = patient.client.messages(appointment_id, limit=100).messages
    doctor.remember_tokens()
    patient.remember_tokens()
    return visit
