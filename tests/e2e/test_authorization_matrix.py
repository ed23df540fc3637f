"""The authorization matrix (issue 9): every endpoint of the four services, called over HTTP on
the local stack, against every kind of caller and token, answers the API's status, and no
refused or allowed call returns another person's data."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from telehealth_local.layout import SERVICES


# -- the columns ---------------------------------------------------------------------------
NO_TOKEN = "no_token"
MALFORMED = "malformed"
EXPIRED = "expired"
FORGED = "forged"
OTHER_POOL = "other_pool"
ACCESS_TOKEN = "access_token"
WRONG_ROLE = "wrong_role"
NON_PARTICIPANT = "non_participant"
PARTICIPANT = "participant"
CANCELLED = "cancelled"
CELLS = (NO_TOKEN, MALFORMED, EXPIRED, FORGED, OTHER_POOL, ACCESS_TOKEN, WRONG_ROLE, NON_PARTICIPANT,
         PARTICIPANT, CANCELLED)
TOKEN_CELLS = (NO_TOKEN, MALFORMED, EXPIRED, FORGED, OTHER_POOL, ACCESS_TOKEN)

# Each token column is played in several ways; every way changes one thing about a token the
# service otherwise accepts (the `control` way, a re-signed copy with unchanged claims, proves
# that), so a refusal can only come from that one thing.
TOKEN_VARIANTS: dict[str, tuple[str, ...]] = {
    NO_TOKEN: ("absent",),
    MALFORMED: ("garbage", "garbage_segments", "empty_bearer", "basic_scheme", "no_scheme"),
    EXPIRED: ("expired",),
    FORGED: ("foreign_key_same_kid", "alg_none", "hs256_keyed_with_public_key", "payload_tampered"),
    OTHER_POOL: ("other_pool", "other_app_client"),
    # The real access token, and the ID token's own claims saying `token_use: access` (the
    # real one also lacks `aud`, so only the second isolates the token_use rule).
    ACCESS_TOKEN: ("access_token", "token_use_access"),
}
CONTROL = "control"
ERROR_CODES = {400: "ValidationError", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict"}

# The people of the `people` fixture, by the attribute that holds them.
DOCTOR, PATIENT, OTHER_DOCTOR, OTHER_PATIENT = "doctor", "patient", "other_doctor", "other_patient"
ADMIN = "admin"
BOTH = (DOCTOR, PATIENT)
OUTSIDERS = (OTHER_DOCTOR, OTHER_PATIENT)
COUNTERPART = {DOCTOR: PATIENT, PATIENT: DOCTOR, OTHER_DOCTOR: OTHER_PATIENT, OTHER_PATIENT: OTHER_DOCTOR,
               ADMIN: ADMIN}


@dataclass(frozen=True)
class Expect:
    """The status a cell must answer, and who plays it (one case per caller)."""

    status: int
    callers: tuple[str, ...] = ()


@dataclass(frozen=True)
class NA:
    """A cell that does not apply to the endpoint, and why."""

    reason: str


Check = Callable[["Bench", Any, Any, Mapping[str, Any] | None], None]


@dataclass(frozen=True)
class Row:
    """One endpoint: what each cell must answer, and how to call it."""

    service: str
    method: str
    path: str  # as the service's /openapi.json spells it
    cells: Mapping[str, Expect | NA]
    auth: bool = True
    mutates: bool = False  # a success changes state: it gets a fresh appointment of its own
    needs_meeting: bool = False  # the appointment must have an active meeting
    body: Callable[["Bench", Any, Mapping[str, Any] | None], Any] | None = None
    prepare: Callable[["Bench", Any, Mapping[str, Any]], None] | None = None
    check: Check | None = None  # what a success must contain
    lists_patients: bool = False  # the success discloses patients' names and e-mails by design
    # The success names records by id by design (the audit trail shows an admin every access).
    shows_record_ids: bool = False
    # Values for the path's other placeholders (e.g. an invitation to revoke), made per case.
    path_params: Callable[["Bench"], Mapping[str, str]] | None = None

    @property
    def scoped(self) -> bool:
        return "{appointment_id}" in self.path

    @property
    def name(self) -> str:
        return f"{self.service}:{self.method}:{self.path}"


def bad_tokens_401() -> dict[str, Expect]:
    """The API's conventions: a missing, malformed, expired, forged, other pool's or non-ID token is
    401 on every authenticated endpoint."""
    return {cell: Expect(401) for cell in TOKEN_CELLS}


def unauthenticated(status: int, caller: str | None = None) -> dict[str, Expect | NA]:
    """A row of an endpoint that takes no token (docs/api/): without one it answers `status`."""
    reason = ("no authentication on this endpoint (API.md): a token is not read, so token, role and "
              "participant cells do not apply")
    cells: dict[str, Expect | NA] = {cell: NA(reason) for cell in CELLS}
    cells[NO_TOKEN] = Expect(status, (caller,) if caller else ())
    return cells


# -- success checks: what an allowed call must (and must not) contain ---------------------------
def _role_in(appointment: Mapping[str, Any], user: Any) -> str:
    return "doctor" if appointment["doctor"]["user_id"] == user.user_id else "patient"


def check_health(service: str) -> Check:
    def check(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
        assert body == {"status": "ok", "service": service}
    return check


def check_openapi(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert str(body["openapi"]).startswith("3.1") and body["paths"]


def check_signup(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body["confirmed"] is False and body["role"] == "patient"


def check_tokens(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body["token_type"] == "Bearer"
    assert jwt.decode(body["id_token"], options={"verify_signature": False})["sub"] == caller.user_id


def check_me(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert (body["user_id"], body["email"], body["role"]) == (caller.user_id, caller.email, caller.role)


def check_patients(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    doctors = {bench.people.doctor.user_id, bench.people.other_doctor.user_id}
    for item in body["patients"]:
        assert set(item) == {"user_id", "name", "email"}, item  # no phone numbers
        assert item["user_id"] not in doctors


def _all_appointments(bench: "Bench", caller: Any, query: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    token = None
    for _ in range(20):
        suffix = f"&next_token={token}" if token else ""
        page = bench.api.ok("scheduling", "GET", f"/appointments?{query}{suffix}", caller)
        listed += page["appointments"]
        token = page.get("next_token")
        if not token:
            return listed
    raise AssertionError("the appointment list did not end within 20 pages")


def check_list_mine(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    for item in body["appointments"]:
        assert caller.user_id in (item["doctor"]["user_id"], item["patient"]["user_id"]), item
    listed = {item["appointment_id"] for item in _all_appointments(bench, caller, "limit=100")}
    assert bench.live["appointment_id"] in listed
    assert bench.private["appointment_id"] not in listed


def check_list_outsider(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    for item in body["appointments"]:
        assert caller.user_id in (item["doctor"]["user_id"], item["patient"]["user_id"]), item
    listed = {item["appointment_id"] for item in _all_appointments(bench, caller, "limit=100")}
    assert bench.private["appointment_id"] in listed  # the outsider's own one is there
    assert not listed & {bench.live["appointment_id"], bench.cancelled["appointment_id"]}


def check_list_cancelled(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    listed = _all_appointments(bench, caller, "status=cancelled&limit=100")
    assert all(item["status"] == "cancelled" for item in listed)
    assert bench.cancelled["appointment_id"] in {item["appointment_id"] for item in listed}


def check_appointment(status: str) -> Check:
    def check(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
        assert appointment is not None
        assert (body["appointment_id"], body["status"]) == (appointment["appointment_id"], status)
    return check


def check_reason(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body["reason"] == "Moved by the matrix"


def check_presence(value: str | None) -> Check:
    def check(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
        assert appointment is not None and set(body["presence"]) == {"doctor", "patient"}
        if value is not None:
            assert body["presence"][_role_in(appointment, caller)] == value
    return check


def check_sent(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body["kind"] == "chat" and body["content"] == "Hello from the matrix"
    assert body["sender"]["user_id"] == caller.user_id


def check_messages(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert appointment is not None
    # Both shared appointments had a meeting started, so the invitation is in their history.
    assert any(m["kind"] == "meeting" and m["data"]["status"] == "invited" for m in body["messages"]), body


def check_session(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body["app_instance_user_arn"] == caller.app_instance_user_arn
    assert caller.user_id in body["websocket_url"]


def check_meeting(with_attendee: bool) -> Check:
    def check(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
        assert appointment is not None
        meeting_id = body["meeting"]["MeetingId"]
        known = bench.meeting_ids.get(appointment["appointment_id"])
        assert known in (None, meeting_id), "a different meeting than the appointment's active one"
        bench.meeting_ids[appointment["appointment_id"]] = meeting_id
        if with_attendee:
            assert body["attendee"]["AttendeeId"] and body["attendee"]["JoinToken"]
    return check


def check_declined(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body == {}


def check_ended(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body == {} and appointment is not None
    after = bench.api.call("calling", "GET", f"/appointments/{appointment['appointment_id']}/meeting",
                           bench.people.doctor)
    assert after.status_code == 404, after.text


def check_dialled(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body["transaction_id"] and body["meeting_id"]
    call = bench.stack.call(body["transaction_id"])
    assert call["to"] == bench.people.patient.phone_number


def check_profile_unchanged(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert (body["user_id"], body["name"], body["phone_number"]) == (caller.user_id, caller.name, caller.phone_number)


def check_invited(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body["role"] == "doctor" and body["invitation_id"] and body["expires_at"].endswith("Z")


def check_invitations(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    for item in body["invitations"]:
        assert set(item) == {"invitation_id", "email", "role", "status", "expires_at"}, item


def check_revoked(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body["status"] == "revoked"


def check_audit(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    keys = {"event_id", "at", "actor_id", "actor_role", "action", "resource_type", "resource_id", "outcome",
            "request_id", "source_ip"}
    for event in body["events"]:
        assert set(event) <= keys, event
    stamps = [event["at"] for event in body["events"]]
    assert stamps == sorted(stamps, reverse=True)


def fresh_invitation(bench: "Bench") -> dict[str, str]:
    created = bench.api.ok("identity", "POST", "/invitations", bench.people.admin, expect=201, json={
        "email": f"matrix-invitee-{secrets.token_hex(4)}@example.com", "name": "Matrix Invitee", "role": "doctor"})
    return {"invitation_id": created["invitation_id"]}


# -- request bodies ------------------------------------------------------------------------
def signup_body(bench: "Bench", caller: Any, appointment: Mapping[str, Any] | None) -> dict[str, Any]:
    from users import PASSWORD, random_phone

    return {"email": f"matrix-{secrets.token_hex(5)}@example.com", "password": PASSWORD,
            "name": "Matrix Signup", "phone_number": random_phone(), "role": "patient"}


def confirm_body(bench: "Bench", caller: Any, appointment: Mapping[str, Any] | None) -> dict[str, Any]:
    body = signup_body(bench, caller, appointment)
    bench.api.ok("identity", "POST", "/signup", json=body, expect=201)
    return {"email": body["email"], "code": bench.stack.confirmation_code(body["email"])}


def signin_body(bench: "Bench", caller: Any, appointment: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"email": caller.email, "password": caller.password}


def refresh_body(bench: "Bench", caller: Any, appointment: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"refresh_token": caller.refresh_token}


def booking_body(bench: "Bench", caller: Any, appointment: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"patient_id": bench.people.patient.user_id, "starts_at": bench.appointments.future_time()}


def check_in_first(bench: "Bench", caller: Any, appointment: Mapping[str, Any]) -> None:
    # So that the check-out being tested changes something.
    bench.api.ok("messaging", "POST", f"/appointments/{appointment['appointment_id']}/check-in", caller)


def check_guest(status: str) -> Check:
    def check(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
        assert set(body) == {"guest_id", "name", "kind", "status", "expires_at"} and body["status"] == status
    return check


def check_guests(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    for guest in body["guests"]:
        assert set(guest) == {"guest_id", "name", "kind", "status", "expires_at"}


def check_waiting_room(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    for entry in body["appointments"]:
        assert entry["meeting_state"] in ("none", "waiting", "admitted")


def check_attendees(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    for attendee in body["attendees"]:
        assert set(attendee) <= {"attendee_id", "user_id", "guest_id", "role", "state", "muted"}, attendee


def check_muted(bench: "Bench", body: Any, caller: Any, appointment: Mapping[str, Any] | None) -> None:
    assert body["attendee"]["muted"] is True and body["attendee"]["state"] == "admitted"


def guest_body(bench: "Bench", caller: Any, appointment: Mapping[str, Any] | None) -> dict[str, Any]:
    from users import random_phone

    return {"name": "Matrix Interpreter", "kind": "interpreter", "phone_number": random_phone()}


def invite_first(bench: "Bench", caller: Any, appointment: Mapping[str, Any]) -> None:
    guest = bench.api.ok("scheduling", "POST", f"/appointments/{appointment['appointment_id']}/guests",
                         bench.people.doctor, json=guest_body(bench, caller, appointment), expect=201)
    bench.path_params["guest_id"] = guest["guest_id"]


def patient_joins_first(bench: "Bench", caller: Any, appointment: Mapping[str, Any]) -> None:
    joined = bench.api.ok("calling", "POST", f"/appointments/{appointment['appointment_id']}/meeting/join",
                          bench.people.patient)
    bench.path_params["attendee_id"] = joined["attendee"]["AttendeeId"]


def patient_admitted_first(bench: "Bench", caller: Any, appointment: Mapping[str, Any]) -> None:
    patient_joins_first(bench, caller, appointment)
    bench.api.ok("calling", "POST", f"/appointments/{appointment['appointment_id']}/meeting/admit",
                 bench.people.doctor, json={"attendee_id": bench.path_params["attendee_id"]})


APPOINTMENT = "/appointments/{appointment_id}"
MEETING = APPOINTMENT + "/meeting"
NOT_ABOUT_ONE = "not about one appointment: there is nothing to be outside of or to cancel"


def service_basics(service: str) -> list[Row]:
    return [Row(service, "GET", "/health", unauthenticated(200), auth=False, check=check_health(service)),
            Row(service, "GET", "/openapi.json", unauthenticated(200), auth=False, check=check_openapi)]


# The table. Token columns come from bad_tokens_401() on every authenticated row; each
# authenticated row also gets a `control` case (see TOKEN_VARIANTS) expecting its PARTICIPANT
# status. PARTICIPANT on an endpoint that is not about one appointment means "a caller of an
# allowed role". Cancelled rows use an appointment whose meeting was started before it was
# cancelled; cancelling ends that meeting (telehealth_shared.visit_meeting), so none is active.
TABLE: list[Row] = [
    *service_basics("identity"),
    Row("identity", "POST", "/signup", unauthenticated(201), auth=False, body=signup_body, check=check_signup),
    Row("identity", "POST", "/confirm", unauthenticated(200), auth=False, body=confirm_body),
    Row("identity", "POST", "/signin", unauthenticated(200, DOCTOR), auth=False, body=signin_body,
        check=check_tokens),
    Row("identity", "POST", "/refresh", unauthenticated(200, DOCTOR), auth=False, body=refresh_body,
        check=check_tokens),
    Row("identity", "GET", "/me", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("every role reads its own profile"),
        NON_PARTICIPANT: NA(NOT_ABOUT_ONE),
        PARTICIPANT: Expect(200, BOTH + (ADMIN,)),
        CANCELLED: NA(NOT_ABOUT_ONE),
    }, check=check_me),
    # The name each caller already has: the call is allowed and changes nothing.
    Row("identity", "PATCH", "/me", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("every role changes its own profile"),
        NON_PARTICIPANT: NA(NOT_ABOUT_ONE),
        PARTICIPANT: Expect(200, BOTH + (ADMIN,)),
        CANCELLED: NA(NOT_ABOUT_ONE),
    }, body=lambda bench, caller, appointment: {"name": caller.name}, check=check_profile_unchanged),
    # No number of theirs waits for a code (the matrix's people keep their numbers), so an
    # accepted caller gets the wrong-code 400; the token cells still refuse with 401 first.
    Row("identity", "POST", "/me/phone/confirm", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("every role confirms its own number"),
        NON_PARTICIPANT: NA(NOT_ABOUT_ONE),
        PARTICIPANT: Expect(400, BOTH + (ADMIN,)),
        CANCELLED: NA(NOT_ABOUT_ONE),
    }, body=lambda bench, caller, appointment: {"code": "123456"}),
    Row("identity", "GET", "/patients", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: NA(NOT_ABOUT_ONE),
        PARTICIPANT: Expect(200, (DOCTOR, ADMIN)),
        CANCELLED: NA(NOT_ABOUT_ONE),
    }, check=check_patients, lists_patients=True),
    Row("identity", "POST", "/invitations", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, BOTH),
        NON_PARTICIPANT: NA(NOT_ABOUT_ONE),
        PARTICIPANT: Expect(201, (ADMIN,)),
        CANCELLED: NA(NOT_ABOUT_ONE),
    }, mutates=True, body=lambda bench, caller, appointment: {
        "email": f"matrix-invitee-{secrets.token_hex(4)}@example.com", "name": "Matrix Invitee", "role": "doctor"},
        check=check_invited),
    Row("identity", "GET", "/invitations", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, BOTH),
        NON_PARTICIPANT: NA(NOT_ABOUT_ONE),
        PARTICIPANT: Expect(200, (ADMIN,)),
        CANCELLED: NA(NOT_ABOUT_ONE),
    }, check=check_invitations),
    Row("identity", "DELETE", "/invitations/{invitation_id}", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, BOTH),
        NON_PARTICIPANT: NA(NOT_ABOUT_ONE),
        PARTICIPANT: Expect(200, (ADMIN,)),
        CANCELLED: NA(NOT_ABOUT_ONE),
    }, mutates=True, path_params=fresh_invitation, check=check_revoked),
    Row("identity", "GET", "/audit", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, BOTH),
        NON_PARTICIPANT: NA(NOT_ABOUT_ONE),
        PARTICIPANT: Expect(200, (ADMIN,)),
        CANCELLED: NA(NOT_ABOUT_ONE),
    }, check=check_audit, shows_record_ids=True),

    *service_basics("scheduling"),
    Row("scheduling", "POST", "/appointments", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: NA("creating one makes the caller its doctor: there is no appointment to be outside of"),
        PARTICIPANT: Expect(201, (DOCTOR,)),
        CANCELLED: NA("creating one: there is no existing appointment to be cancelled"),
    }, mutates=True, body=booking_body),
    Row("scheduling", "GET", "/appointments", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("every role lists its own appointments"),
        # Outsiders get their own list (200), which must not include the participants' ones.
        NON_PARTICIPANT: Expect(200, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        # The list still shows a cancelled appointment to its participants (reading is allowed).
        CANCELLED: Expect(200, BOTH),
    }),
    Row("scheduling", "GET", APPOINTMENT, {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant may read it"),
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        CANCELLED: Expect(200, BOTH),
    }),  # its checks depend on the cell: see success_check()
    Row("scheduling", "PATCH", APPOINTMENT, {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        PARTICIPANT: Expect(200, (DOCTOR,)),
        # The API's conventions: 409 when the state (a cancelled appointment) forbids it.
        CANCELLED: Expect(409, (DOCTOR,)),
    }, mutates=True, body=lambda bench, caller, appointment: {"reason": "Moved by the matrix"}, check=check_reason),
    Row("scheduling", "DELETE", APPOINTMENT, {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant may cancel"),
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        # The API leaves it open; DELETE is idempotent (scheduling/chalicelib/cancel_appointment.py):
        # cancelling again answers the cancelled appointment.
        CANCELLED: Expect(200, BOTH),
    }, mutates=True, check=check_appointment("cancelled")),
    Row("scheduling", "POST", APPOINTMENT + "/complete", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        PARTICIPANT: Expect(200, (DOCTOR,)),
        CANCELLED: Expect(409, (DOCTOR,)),
    }, mutates=True, check=check_appointment("completed")),
    Row("scheduling", "POST", APPOINTMENT + "/no-show", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        # The matrix books visits a day ahead: before the start a no-show is refused (the
        # success is tested on state in tests/services/scheduling/test_visit_outcome.py).
        PARTICIPANT: Expect(409, (DOCTOR,)),
        CANCELLED: Expect(409, (DOCTOR,)),
    }, mutates=True),
    Row("scheduling", "POST", APPOINTMENT + "/guests", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        PARTICIPANT: Expect(201, (DOCTOR,)),
        CANCELLED: Expect(409, (DOCTOR,)),
    }, mutates=True, body=guest_body, check=check_guest("invited")),
    Row("scheduling", "GET", APPOINTMENT + "/guests", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant lists the guests"),
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        CANCELLED: Expect(200, BOTH),
    }, check=check_guests),
    Row("scheduling", "DELETE", APPOINTMENT + "/guests/{guest_id}", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        PARTICIPANT: Expect(200, (DOCTOR,)),
        # The cancelled visit has no such guest: revoking is allowed in any state, so 404.
        CANCELLED: Expect(404, (DOCTOR,)),
    }, mutates=True, prepare=invite_first, check=check_guest("revoked")),

    *service_basics("messaging"),
    Row("messaging", "POST", APPOINTMENT + "/check-in", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant checks in"),
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        CANCELLED: Expect(409, BOTH),
    }, mutates=True, check=check_presence("checked_in")),
    Row("messaging", "POST", APPOINTMENT + "/check-out", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant checks out"),
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        # The API names check-in only; check-out is the same presence write, refused alike.
        CANCELLED: Expect(409, BOTH),
    }, mutates=True, prepare=check_in_first, check=check_presence("added")),
    Row("messaging", "GET", APPOINTMENT + "/presence", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant reads it"),
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        CANCELLED: Expect(200, BOTH),
    }, check=check_presence(None)),
    Row("messaging", "POST", APPOINTMENT + "/messages", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant writes"),
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(201, BOTH),
        CANCELLED: Expect(409, BOTH),
    }, mutates=True, body=lambda bench, caller, appointment: {"content": "Hello from the matrix"},
        check=check_sent),
    Row("messaging", "GET", APPOINTMENT + "/messages", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant reads"),
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        CANCELLED: Expect(200, BOTH),
    }, check=check_messages),
    Row("messaging", "GET", "/session", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("every role has a session"),
        NON_PARTICIPANT: NA(NOT_ABOUT_ONE),
        PARTICIPANT: Expect(200, BOTH),
        CANCELLED: NA(NOT_ABOUT_ONE),
    }, check=check_session),
    Row("messaging", "GET", "/waiting-room", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: NA(NOT_ABOUT_ONE),
        PARTICIPANT: Expect(200, (DOCTOR,)),
        CANCELLED: NA(NOT_ABOUT_ONE),
    }, check=check_waiting_room),

    *service_basics("calling"),
    Row("calling", "POST", MEETING, {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        PARTICIPANT: Expect(201, (DOCTOR,)),
        CANCELLED: Expect(409, (DOCTOR,)),
    }, mutates=True, check=check_meeting(with_attendee=True)),
    Row("calling", "GET", MEETING, {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant reads it"),
        # The appointment has an active meeting, so a 404 here is the participant rule, not "none".
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        # Cancelling ended the meeting (the API: GET meeting → 404 afterwards).
        CANCELLED: Expect(404, BOTH),
    }, needs_meeting=True, check=check_meeting(with_attendee=False)),
    Row("calling", "POST", MEETING + "/join", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant joins"),
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        CANCELLED: Expect(409, BOTH),
    }, mutates=True, needs_meeting=True, check=check_meeting(with_attendee=True)),
    Row("calling", "POST", MEETING + "/decline", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (DOCTOR,)),
        NON_PARTICIPANT: Expect(404, (OTHER_PATIENT,)),
        PARTICIPANT: Expect(200, (PATIENT,)),
        # The API leaves it open; an invitation to a cancelled appointment's meeting is not
        # answered (the same rule as joining).
        CANCELLED: Expect(409, (PATIENT,)),
    }, mutates=True, needs_meeting=True, check=check_declined),
    Row("calling", "DELETE", MEETING, {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        PARTICIPANT: Expect(200, (DOCTOR,)),
        # Ending stays allowed on a cancelled visit, but cancelling already ended its meeting:
        # no active meeting (the API: 409).
        CANCELLED: Expect(409, (DOCTOR,)),
    }, mutates=True, needs_meeting=True, check=check_ended),
    Row("calling", "POST", APPOINTMENT + "/phone-call", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        PARTICIPANT: Expect(202, (DOCTOR,)),
        CANCELLED: Expect(409, (DOCTOR,)),
    }, mutates=True, check=check_dialled),
    Row("calling", "POST", MEETING + "/admit", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        PARTICIPANT: Expect(200, (DOCTOR,)),
        CANCELLED: Expect(409, (DOCTOR,)),
    }, mutates=True, needs_meeting=True, prepare=patient_joins_first, check=check_attendees),
    Row("calling", "GET", MEETING + "/attendees", {
        **bad_tokens_401(),
        WRONG_ROLE: NA("either participant sees who is in the meeting"),
        NON_PARTICIPANT: Expect(404, OUTSIDERS),
        PARTICIPANT: Expect(200, BOTH),
        CANCELLED: Expect(409, BOTH),
    }, needs_meeting=True, check=check_attendees),
    Row("calling", "DELETE", MEETING + "/attendees/{attendee_id}", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        PARTICIPANT: Expect(200, (DOCTOR,)),
        CANCELLED: Expect(409, (DOCTOR,)),
    }, mutates=True, needs_meeting=True, prepare=patient_joins_first, check=check_declined),
    Row("calling", "POST", MEETING + "/attendees/{attendee_id}/mute", {
        **bad_tokens_401(),
        WRONG_ROLE: Expect(403, (PATIENT,)),
        NON_PARTICIPANT: Expect(404, (OTHER_DOCTOR,)),
        PARTICIPANT: Expect(200, (DOCTOR,)),
        CANCELLED: Expect(409, (DOCTOR,)),
    }, mutates=True, needs_meeting=True, prepare=patient_admitted_first,
        body=lambda bench, caller, appointment: {"muted": True}, check=check_muted),
    # No account: the code is the credential; a code that matches nothing is 404 (the success is
    # tested on state in tests/services/calling/test_visit_flow.py).
    Row("calling", "POST", "/guest/join", unauthenticated(404), auth=False,
        body=lambda bench, caller, appointment: {"code": secrets.token_urlsafe(12)}),
]

# Success checks that need the row's context (which list, which appointment state).
_LIST_CHECKS = {PARTICIPANT: check_list_mine, NON_PARTICIPANT: check_list_outsider, CONTROL: check_list_mine,
                CANCELLED: check_list_cancelled}
_READ_CHECKS = {PARTICIPANT: check_appointment("scheduled"), CONTROL: check_appointment("scheduled"),
                CANCELLED: check_appointment("cancelled")}


def success_check(row: Row, cell: str) -> Check | None:
    if (row.service, row.method, row.path) == ("scheduling", "GET", "/appointments"):
        return _LIST_CHECKS.get(cell)
    if (row.service, row.method, row.path) == ("scheduling", "GET", APPOINTMENT):
        return _READ_CHECKS.get(cell)
    return row.check


# -- the cases -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One request of the matrix: a row, a cell, one way of playing it, and the caller."""

    row: Row
    cell: str
    variant: str
    status: int
    caller: str | None  # a People attribute

    @property
    def id(self) -> str:
        who = f"-as-{self.caller}" if self.caller else ""
        suffix = "" if self.variant == self.cell else f"-{self.variant}"
        return f"{self.row.name}|{self.cell}{suffix}{who}"


def build_cases(table: list[Row]) -> list[Case]:
    cases: list[Case] = []
    for row in table:
        participant = row.cells.get(PARTICIPANT)
        # Bad tokens are played as the participant the endpoint would otherwise accept.
        token_caller = participant.callers[0] if isinstance(participant, Expect) else None
        for cell in CELLS:
            expect = row.cells[cell]
            if isinstance(expect, NA):
                continue
            if row.auth and cell in TOKEN_CELLS:
                for variant in TOKEN_VARIANTS[cell]:
                    cases.append(Case(row, cell, variant, expect.status, token_caller))
            else:
                for caller in expect.callers or (None,):
                    cases.append(Case(row, cell, cell, expect.status, caller))
        if row.auth and isinstance(participant, Expect):
            cases.append(Case(row, CONTROL, CONTROL, participant.status, token_caller))
    return cases


CASES = build_cases(TABLE)


# -- tokens --------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


class Tokens:
    """Every token variant for a signed-in user, minted from its real ID token.

    moto signs every user pool's tokens with one fixed key shipped in the package; with it a
    test can re-sign claims as the local Cognito would, so only the changed claim differs.
    """

    def __init__(self, stack: Any, password: str):
        from moto.utilities.utils import load_resource

        self._stack = stack
        self._password = password
        self._cognito = stack.client("cognito-idp")
        self._moto_key = jwt.algorithms.RSAAlgorithm.from_jwk(
            json.dumps(load_resource("cognitoidp/resources/jwks-private.json")))
        self._foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._other_client_id: str | None = None
        self._other_pool: tuple[str, str] | None = None
        self._other_pool_tokens: dict[str, str] = {}
        self._cache: dict[tuple[str, str], str] = {}

    def _sign(self, claims: Mapping[str, Any], kid: str, key: Any = None) -> str:
        return jwt.encode(dict(claims), key or self._moto_key, algorithm="RS256", headers={"kid": kid})

    def _other_app_client(self) -> str:
        """A second app client of the same user pool: its tokens differ only in `aud`."""
        if self._other_client_id is None:
            self._other_client_id = self._cognito.create_user_pool_client(
                UserPoolId=self._stack.settings["TELEHEALTH_USER_POOL_ID"], ClientName="matrix-other-app",
                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            )["UserPoolClient"]["ClientId"]
        return self._other_client_id

    def _other_pool_token(self, role: str) -> str:
        """A genuine ID token of a user in the same role of another user pool (same signer)."""
        if role not in self._other_pool_tokens:
            if self._other_pool is None:
                pool_id = self._cognito.create_user_pool(PoolName="matrix-other-pool",
                                                         UsernameAttributes=["email"])["UserPool"]["Id"]
                client_id = self._cognito.create_user_pool_client(
                    UserPoolId=pool_id, ClientName="matrix-other-pool-app",
                    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
                for group in ("admin", "doctor", "patient"):
                    self._cognito.create_group(UserPoolId=pool_id, GroupName=group)
                self._other_pool = (pool_id, client_id)
            pool_id, client_id = self._other_pool
            email = f"{role}-{secrets.token_hex(4)}@other-pool.example.com"
            self._cognito.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                                            UserAttributes=[{"Name": "email", "Value": email},
                                                            {"Name": "custom:role", "Value": role}])
            self._cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=self._password,
                                                  Permanent=True)
            self._cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=role)
            self._other_pool_tokens[role] = self._cognito.initiate_auth(
                ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": self._password})["AuthenticationResult"]["IdToken"]
        return self._other_pool_tokens[role]

    def token(self, variant: str, user: Any) -> str:
        key = (variant, user.user_id)
        if key not in self._cache:
            self._cache[key] = self._mint(variant, user)
        return self._cache[key]

    def _mint(self, variant: str, user: Any) -> str:
        header, claims = _unverified(user.id_token)
        kid = header["kid"]
        now = int(time.time())
        if variant == CONTROL:
            return self._sign(claims, kid)
        if variant == "expired":
            return self._sign({**claims, "iat": now - 7200, "auth_time": now - 7200, "exp": now - 3600}, kid)
        if variant == "foreign_key_same_kid":
            return self._sign(claims, kid, self._foreign_key)
        if variant == "alg_none":
            unsigned_header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
            return f"{unsigned_header}.{_b64(json.dumps(claims).encode())}."
        if variant == "hs256_keyed_with_public_key":
            # The classic algorithm confusion: an HMAC keyed with the (public) verification key.
            public_pem = self._moto_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            signing_input = (f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': kid}).encode())}."
                             f"{_b64(json.dumps(claims).encode())}")
            signature = hmac.new(public_pem, signing_input.encode("ascii"), hashlib.sha256).digest()
            return f"{signing_input}.{_b64(signature)}"
        if variant == "payload_tampered":
            # The real signature over a payload with a longer life: the claims no longer match it.
            head, _payload, signature = user.id_token.split(".")
            return f"{head}.{_b64(json.dumps({**claims, 'exp': claims['exp'] + 86400}).encode())}.{signature}"
        if variant == "other_app_client":
            return self._cognito.initiate_auth(
                ClientId=self._other_app_client(), AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user.email, "PASSWORD": user.password})["AuthenticationResult"]["IdToken"]
        if variant == "other_pool":
            return self._other_pool_token(user.role)
        if variant == "access_token":
            return user.access_token
        if variant == "token_use_access":
            return self._sign({**claims, "token_use": "access"}, kid)
        raise ValueError(variant)

    def headers(self, variant: str, user: Any) -> dict[str, str]:
        if variant == "absent":
            return {}
        if variant == "garbage":
            return {"Authorization": "Bearer not-a-token"}
        if variant == "garbage_segments":
            return {"Authorization": "Bearer e30.e30.AAAA"}
        if variant == "empty_bearer":
            return {"Authorization": "Bearer"}
        if variant == "basic_scheme":
            return {"Authorization": f"Basic {user.id_token}"}
        if variant == "no_scheme":
            return {"Authorization": user.id_token}
        return {"Authorization": f"Bearer {self.token(variant, user)}"}


# -- the bench: shared appointments, state snapshots and leak checks ------------------------
@dataclass
class Bench:
    """What the cases share: the stack, the people, their tokens, and the appointments made so far."""

    stack: Any
    api: Any
    people: Any
    appointments: Any
    tokens: Tokens
    known: list[dict[str, Any]] = field(default_factory=list)
    meeting_ids: dict[str, str] = field(default_factory=dict)
    # Ids other than the appointment's that a row's path names, set by its `prepare`.
    path_params: dict[str, str] = field(default_factory=dict)
    _shared: dict[str, dict[str, Any]] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict)

    def path(self, row: Row, appointment_id: str) -> str:
        """The row's path for an appointment; ids a refused case never reaches are placeholders."""
        return row.path.format(appointment_id=appointment_id,
                               guest_id=self.path_params.get("guest_id", "0" * 32),
                               attendee_id=self.path_params.get("attendee_id", str(uuid.uuid4())))

    def person(self, key: str | None) -> Any:
        return getattr(self.people, key) if key else None

    def book(self, doctor: Any, patient: Any, *, meeting: bool, cancelled: bool) -> dict[str, Any]:
        appointment = self.appointments.book(doctor, patient)
        self.known.append(appointment)
        if meeting:
            started = self.appointments.start_meeting(appointment, doctor)
            self.meeting_ids[appointment["appointment_id"]] = started["meeting"]["MeetingId"]
        if cancelled:
            self.appointments.cancel(appointment, patient)
        return appointment

    def _shared_one(self, name: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        if name not in self._shared:
            self._shared[name] = make()
        return self._shared[name]

    @property
    def live(self) -> dict[str, Any]:
        """Scheduled, with an active meeting; only refused calls and reads touch it."""
        return self._shared_one("live", lambda: self.book(self.people.doctor, self.people.patient,
                                                          meeting=True, cancelled=False))

    @property
    def cancelled(self) -> dict[str, Any]:
        """Cancelled by the patient after its meeting was started; only refusals and reads touch it."""
        return self._shared_one("cancelled", lambda: self.book(self.people.doctor, self.people.patient,
                                                               meeting=True, cancelled=True))

    @property
    def private(self) -> dict[str, Any]:
        """The outsiders' own appointment: its data must never reach the participants."""
        return self._shared_one("private", lambda: self.book(self.people.other_doctor, self.people.other_patient,
                                                             meeting=True, cancelled=False))

    def appointment_for(self, case: Case) -> dict[str, Any] | None:
        if not case.row.scoped:
            return None
        fresh = case.status < 400 and case.row.mutates
        if case.cell == CANCELLED:
            if fresh:
                return self.book(self.people.doctor, self.people.patient, meeting=case.row.needs_meeting,
                                 cancelled=True)
            return self.cancelled
        if fresh:
            return self.book(self.people.doctor, self.people.patient, meeting=case.row.needs_meeting,
                             cancelled=False)
        return self.live

    def world(self, appointment: Mapping[str, Any] | None) -> dict[str, Any]:
        """What a refused call must leave as it was: the appointment's item and messages, and
        how many appointments, calls and text messages exist."""
        table = self.stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"]
        if "dynamodb" not in self._clients:
            self._clients["dynamodb"] = self.stack.client("dynamodb")
        dynamodb = self._clients["dynamodb"]
        state: dict[str, Any] = {
            "appointments": dynamodb.scan(TableName=table, Select="COUNT")["Count"],
            "calls": len(self.stack.calls()),
            "sms": len(self.stack.sms()),
        }
        if appointment is not None:
            appointment_id = appointment["appointment_id"]
            state["item"] = dynamodb.get_item(TableName=table, Key={"appointment_id": {"S": appointment_id}},
                                              ConsistentRead=True).get("Item")
            state["messages"] = [m["message_id"] for m in self.api.ok(
                "messaging", "GET", f"/appointments/{appointment_id}/messages?limit=100",
                self.people.doctor)["messages"]]
        return state

    def forbidden_strings(self, case: Case, caller: Any, refused: bool) -> dict[str, str]:
        """Text that must not appear in the response, by what it is."""
        forbidden: dict[str, str] = {}
        allowed_names: set[str] = set()
        if not refused and caller is not None:
            allowed_names = {caller.name, self.person(COUNTERPART[case.caller]).name}
        for key in (DOCTOR, PATIENT, OTHER_DOCTOR, OTHER_PATIENT):
            person = self.person(key)
            if caller is not None and person.user_id == caller.user_id:
                continue
            discloses_patient = (not refused and case.row.lists_patients and person.role == "patient")
            if person.name not in allowed_names and not discloses_patient:
                forbidden[f"{key}'s name"] = person.name
            if not discloses_patient:
                forbidden[f"{key}'s e-mail"] = person.email
            forbidden[f"{key}'s phone number"] = person.phone_number[-10:]
        caller_id = caller.user_id if caller is not None else None
        for appointment in self.known:
            involved = caller_id in (appointment["doctor"]["user_id"], appointment["patient"]["user_id"])
            if not refused and case.row.shows_record_ids:
                continue
            if refused or not involved:
                forbidden[f"appointment {appointment['appointment_id']}"] = appointment["appointment_id"]
                meeting_id = self.meeting_ids.get(appointment["appointment_id"])
                if meeting_id:
                    forbidden[f"meeting of {appointment['appointment_id']}"] = meeting_id
        return forbidden


@pytest.fixture(scope="module")
def bench(stack, api, people, appointments) -> Bench:
    from users import PASSWORD

    made = Bench(stack=stack, api=api, people=people, appointments=appointments, tokens=Tokens(stack, PASSWORD))
    # All three exist before the first case, so every leak check knows every appointment.
    for shared in (made.live, made.cancelled, made.private):
        assert shared["appointment_id"]
    return made


# -- the tests -----------------------------------------------------------------------------
def test_every_row_decides_every_cell():
    """A cell is either expected or omitted with a reason: nothing is left out silently."""
    for row in TABLE:
        assert set(row.cells) == set(CELLS), f"{row.name}: cells {set(CELLS) ^ set(row.cells)}"
        for cell, expect in row.cells.items():
            if isinstance(expect, NA):
                assert expect.reason.strip(), f"{row.name}|{cell} is omitted without a reason"
            elif row.auth and cell not in TOKEN_CELLS:
                assert expect.callers, f"{row.name}|{cell} names no caller"
        if row.auth:
            assert isinstance(row.cells[PARTICIPANT], Expect), f"{row.name} has no allowed caller for its control"


@pytest.mark.parametrize("service", SERVICES)
def test_the_table_covers_every_documented_endpoint(service, api):
    """Each service's own /openapi.json lists exactly the table's rows for it, and documents
    every status the table expects."""
    document = api.ok(service, "GET", "/openapi.json")
    documented = {(method.upper(), path): operation for path, item in document["paths"].items()
                  for method, operation in item.items() if method in ("get", "post", "put", "patch", "delete")}
    rows = {(row.method, row.path): row for row in TABLE if row.service == service}
    assert set(rows) == set(documented)
    undocumented = sorted(
        f"{method} {path} -> {expect.status}" for (method, path), row in rows.items()
        for expect in row.cells.values()
        if isinstance(expect, Expect) and str(expect.status) not in documented[(method, path)]["responses"])
    assert not undocumented, f"statuses the table expects but /openapi.json does not document: {undocumented}"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_authorization_matrix(case: Case, bench: Bench):
    """The cell's status; no one else's data in the body; a refusal is a clean error body that
    changed nothing; an outsider's 404 is the same as for an appointment that does not exist."""
    row = case.row
    bench.path_params.clear()
    caller = bench.person(case.caller)
    appointment = bench.appointment_for(case)
    refused = case.status >= 400
    if row.prepare is not None and not refused:
        assert appointment is not None
        row.prepare(bench, caller, appointment)
    if appointment:
        path = bench.path(row, appointment["appointment_id"])
    else:
        params = dict(row.path_params(bench)) if row.path_params else {}
        path = row.path.format(**params) if params else row.path
    body = row.body(bench, caller, appointment) if row.body else None
    if row.auth and case.cell in TOKEN_CELLS + (CONTROL,):
        headers = bench.tokens.headers(case.variant, caller)
    else:
        headers = dict(caller.headers) if (caller is not None and row.auth) else {}
    before = bench.world(appointment) if refused and row.mutates else None

    response = bench.api.call(row.service, row.method, path, headers=headers, json=body)

    assert response.status_code == case.status, (
        f"{case.id}: expected {case.status}, got {response.status_code}: {response.text[:500]}")
    text = response.text.lower()
    # Who the service saw as the caller: nobody, for every token it must refuse.
    authenticated = case.cell in (WRONG_ROLE, NON_PARTICIPANT, PARTICIPANT, CANCELLED, CONTROL)
    seen_as = caller if authenticated or not row.auth else None
    leaked = {what: value for what, value in bench.forbidden_strings(case, seen_as, refused).items()
              if value.lower() in text}
    assert not leaked, f"{case.id}: the response carries {sorted(leaked)}"
    if refused:
        payload = response.json()
        assert set(payload) == {"error"} and set(payload["error"]) <= {"code", "message", "details"}, payload
        assert payload["error"]["code"] == ERROR_CODES[case.status], payload
        assert isinstance(payload["error"]["message"], str) and payload["error"]["message"]
        if before is not None:
            assert bench.world(appointment) == before, f"{case.id}: a refused call changed state"
        if case.cell == NON_PARTICIPANT and row.scoped:
            # Outsiders cannot tell someone else's appointment from one that does not exist.
            absent = bench.api.call(row.service, row.method, bench.path(row, str(uuid.uuid4())),
                                    caller, json=body)
            assert (absent.status_code, absent.json()) == (response.status_code, payload)
    else:
        check = success_check(row, case.cell)
        if check is not None:
            check(bench, response.json(), caller, appointment)
