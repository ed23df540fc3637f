"""Typed calls to identity, scheduling, messaging and calling, with token handling."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Type, TypeVar

import requests
from pydantic import BaseModel

from telehealth_shared.models.appointments import Appointment, AppointmentsPage, Presence
from telehealth_shared.models.calling import (AttendeeResponse, AttendeesResponse, MeetingOnly, MeetingWithAttendee,
                                              PhoneCallResponse)
from telehealth_shared.models.common import format_utc
from telehealth_shared.models.identity import (InvitationCreated, InvitationRevoked, InvitationsPage, MeResponse,
                                               PatientsPage, RefreshResponse, SignupResponse, TokensResponse)
from telehealth_shared.models.guests import Guest, GuestsResponse
from telehealth_shared.models.messaging import (Message, MessagesPage, PresenceResponse, SessionResponse,
                                                WaitingRoomResponse)

from .errors import ApiError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ServiceUrls:
    identity: str
    scheduling: str
    messaging: str
    calling: str

    @classmethod
    def local(cls, host: str = "127.0.0.1") -> "ServiceUrls":
        return cls(*(f"http://{host}:{port}" for port in (8001, 8002, 8003, 8004)))


class TelehealthClient:
    """One signed-in (or anonymous) user's view of the API; refreshes its ID token on 401."""

    def __init__(self, urls: ServiceUrls, timeout: float = 15.0, session: requests.Session | None = None):
        self.urls = urls
        self.timeout = timeout
        self.http = session or requests.Session()
        self.tokens: TokensResponse | None = None

    # -- plumbing -------------------------------------------------------------------------
    def _request(self, method: str, base: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None, auth: bool = True, expect: Type[M] | None = None,
                 retry_auth: bool = True) -> Any:
        all_headers = dict(headers or {})
        if auth:
            if self.tokens is None:
                raise ApiError(401, "Unauthorized", "sign in first")
            all_headers["Authorization"] = f"Bearer {self.tokens.id_token}"
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        response = self.http.request(method, base + path, json=json, params=clean_params or None,
                                        headers=all_headers, timeout=self.timeout)
        if response.status_code == 401 and auth and retry_auth and self.tokens is not None:
            self.refresh()
            return self._request(method, base, path, json=json, params=params, headers=headers, auth=auth,
                                 expect=expect, retry_auth=False)
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        data = response.json() if response.content else {}
        return expect.model_validate(data) if expect is not None else data

    # -- identity -------------------------------------------------------------------------
    def sign_up(self, email: str, password: str, name: str, phone_number: str, role: str = "patient",
                invitation_code: str | None = None) -> SignupResponse:
        """Patients sign themselves up; doctors and admins need an admin's invitation code."""
        body = {"email": email, "password": password, "name": name, "phone_number": phone_number, "role": role}
        if invitation_code is not None:
            body["invitation_code"] = invitation_code
        return self._request("POST", self.urls.identity, "/signup", json=body, auth=False, expect=SignupResponse)

    def confirm(self, email: str, code: str) -> None:
        self._request("POST", self.urls.identity, "/confirm", json={"email": email, "code": code}, auth=False)

    def sign_in(self, email: str, password: str) -> TokensResponse:
        self.tokens = self._request("POST", self.urls.identity, "/signin", json={"email": email, "password": password},
                                    auth=False, expect=TokensResponse)
        return self.tokens

    def refresh(self) -> None:
        if self.tokens is None:
            raise ApiError(401, "Unauthorized", "sign in first")
        fresh = self._request("POST", self.urls.identity, "/refresh", json={"refresh_token": self.tokens.refresh_token},
                              auth=False, expect=RefreshResponse)
        self.tokens = self.tokens.model_copy(update={"id_token": fresh.id_token, "access_token": fresh.access_token,
                                                     "expires_in": fresh.expires_in})

    def me(self) -> MeResponse:
        return self._request("GET", self.urls.identity, "/me", expect=MeResponse)

    def update_me(self, name: str | None = None, phone_number: str | None = None) -> MeResponse:
        """A changed number is texted a code and stays unverified until confirm_phone()."""
        body = {k: v for k, v in (("name", name), ("phone_number", phone_number)) if v is not None}
        return self._request("PATCH", self.urls.identity, "/me", json=body, expect=MeResponse)

    def confirm_phone(self, code: str) -> MeResponse:
        return self._request("POST", self.urls.identity, "/me/phone/confirm", json={"code": code}, expect=MeResponse)

    def patients(self, q: str | None = None, limit: int | None = None, next_token: str | None = None,
                 email: str | None = None) -> PatientsPage:
        return self._request("GET", self.urls.identity, "/patients",
                             params={"q": q, "email": email, "limit": limit, "next_token": next_token},
                             expect=PatientsPage)

    def invite(self, email: str, name: str, role: str) -> InvitationCreated:
        """Admins: invite a doctor or admin; the one-time code is e-mailed to them."""
        return self._request("POST", self.urls.identity, "/invitations", json={"email": email, "name": name, "role": role},
                             expect=InvitationCreated)

    def invitations(self, limit: int | None = None, next_token: str | None = None) -> InvitationsPage:
        return self._request("GET", self.urls.identity, "/invitations", params={"limit": limit, "next_token": next_token},
                             expect=InvitationsPage)

    def revoke_invitation(self, invitation_id: str) -> InvitationRevoked:
        return self._request("DELETE", self.urls.identity, f"/invitations/{invitation_id}", expect=InvitationRevoked)

    def audit(self, actor_id: str | None = None, resource_id: str | None = None, start: datetime | None = None,
              end: datetime | None = None, limit: int | None = None, next_token: str | None = None) -> dict[str, Any]:
        """Admins: the audit trail, newest first ({events, next_token?})."""
        params = {"actor_id": actor_id, "resource_id": resource_id, "from": format_utc(start) if start else None,
                  "to": format_utc(end) if end else None, "limit": limit, "next_token": next_token}
        return self._request("GET", self.urls.identity, "/audit", params=params)

    # -- scheduling -----------------------------------------------------------------------
    def create_appointment(self, patient_id: str, starts_at: datetime, duration_minutes: int = 30,
                           reason: str | None = None, idempotency_key: str | None = None) -> Appointment:
        body: dict[str, Any] = {"patient_id": patient_id, "starts_at": format_utc(starts_at),
                                "duration_minutes": duration_minutes}
        if reason is not None:
            body["reason"] = reason
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self._request("POST", self.urls.scheduling, "/appointments", json=body, headers=headers, expect=Appointment)

    def appointments(self, status: str | None = None, start: datetime | None = None, end: datetime | None = None,
                     limit: int | None = None, next_token: str | None = None) -> AppointmentsPage:
        params = {"status": status, "from": format_utc(start) if start else None, "to": format_utc(end) if end else None,
                  "limit": limit, "next_token": next_token}
        return self._request("GET", self.urls.scheduling, "/appointments", params=params, expect=AppointmentsPage)

    def appointment(self, appointment_id: str) -> Appointment:
        return self._request("GET", self.urls.scheduling, f"/appointments/{appointment_id}", expect=Appointment)

    def move_appointment(self, appointment_id: str, **changes: Any) -> Appointment:
        body = {k: (format_utc(v) if isinstance(v, datetime) else v) for k, v in changes.items()}
        return self._request("PATCH", self.urls.scheduling, f"/appointments/{appointment_id}", json=body, expect=Appointment)

    def cancel_appointment(self, appointment_id: str) -> Appointment:
        return self._request("DELETE", self.urls.scheduling, f"/appointments/{appointment_id}", expect=Appointment)

    # -- messaging ------------------------------------------------------------------------
    def complete_appointment(self, appointment_id: str) -> Appointment:
        return self._request("POST", self.urls.scheduling, f"/appointments/{appointment_id}/complete",
                             expect=Appointment)

    def mark_no_show(self, appointment_id: str) -> Appointment:
        return self._request("POST", self.urls.scheduling, f"/appointments/{appointment_id}/no-show",
                             expect=Appointment)

    def invite_guest(self, appointment_id: str, name: str, kind: str, phone_number: str | None = None,
                     email: str | None = None) -> Guest:
        body = {"name": name, "kind": kind, "phone_number": phone_number, "email": email}
        return self._request("POST", self.urls.scheduling, f"/appointments/{appointment_id}/guests",
                             json={k: v for k, v in body.items() if v is not None}, expect=Guest)

    def guests(self, appointment_id: str) -> GuestsResponse:
        return self._request("GET", self.urls.scheduling, f"/appointments/{appointment_id}/guests",
                             expect=GuestsResponse)

    def revoke_guest(self, appointment_id: str, guest_id: str) -> Guest:
        return self._request("DELETE", self.urls.scheduling, f"/appointments/{appointment_id}/guests/{guest_id}",
                             expect=Guest)

    def waiting_room(self) -> WaitingRoomResponse:
        return self._request("GET", self.urls.messaging, "/waiting-room", expect=WaitingRoomResponse)

    def check_in(self, appointment_id: str) -> Presence:
        return self._request("POST", self.urls.messaging, f"/appointments/{appointment_id}/check-in",
                             expect=PresenceResponse).presence

    def check_out(self, appointment_id: str) -> Presence:
        return self._request("POST", self.urls.messaging, f"/appointments/{appointment_id}/check-out",
                             expect=PresenceResponse).presence

    def presence(self, appointment_id: str) -> Presence:
        return self._request("GET", self.urls.messaging, f"/appointments/{appointment_id}/presence",
                             expect=PresenceResponse).presence

    def send_message(self, appointment_id: str, content: str, client_id: str | None = None) -> Message:
        body: dict[str, Any] = {"content": content}
        if client_id:
            body["client_id"] = client_id
        return self._request("POST", self.urls.messaging, f"/appointments/{appointment_id}/messages", json=body,
                             expect=Message)

    def messages(self, appointment_id: str, limit: int | None = None, next_token: str | None = None) -> MessagesPage:
        return self._request("GET", self.urls.messaging, f"/appointments/{appointment_id}/messages",
                             params={"limit": limit, "next_token": next_token}, expect=MessagesPage)

    def session(self) -> SessionResponse:
        return self._request("GET", self.urls.messaging, "/session", expect=SessionResponse)

    # -- calling --------------------------------------------------------------------------
    def start_meeting(self, appointment_id: str, media_region: str | None = None) -> MeetingWithAttendee:
        body = {"media_region": media_region} if media_region else {}
        return self._request("POST", self.urls.calling, f"/appointments/{appointment_id}/meeting", json=body,
                             expect=MeetingWithAttendee)

    def meeting(self, appointment_id: str) -> MeetingOnly:
        return self._request("GET", self.urls.calling, f"/appointments/{appointment_id}/meeting", expect=MeetingOnly)

    def join_meeting(self, appointment_id: str) -> MeetingWithAttendee:
        return self._request("POST", self.urls.calling, f"/appointments/{appointment_id}/meeting/join",
                             expect=MeetingWithAttendee)

    def decline_meeting(self, appointment_id: str) -> None:
        self._request("POST", self.urls.calling, f"/appointments/{appointment_id}/meeting/decline")

    def end_meeting(self, appointment_id: str) -> None:
        self._request("DELETE", self.urls.calling, f"/appointments/{appointment_id}/meeting")

    def admit(self, appointment_id: str, attendee_id: str | None = None) -> AttendeesResponse:
        body = {"attendee_id": attendee_id} if attendee_id else {}
        return self._request("POST", self.urls.calling, f"/appointments/{appointment_id}/meeting/admit", json=body,
                             expect=AttendeesResponse)

    def attendees(self, appointment_id: str) -> AttendeesResponse:
        return self._request("GET", self.urls.calling, f"/appointments/{appointment_id}/meeting/attendees",
                             expect=AttendeesResponse)

    def remove_attendee(self, appointment_id: str, attendee_id: str) -> None:
        self._request("DELETE", self.urls.calling, f"/appointments/{appointment_id}/meeting/attendees/{attendee_id}")

    def mute_attendee(self, appointment_id: str, attendee_id: str, muted: bool = True) -> AttendeeResponse:
        return self._request("POST", self.urls.calling,
                             f"/appointments/{appointment_id}/meeting/attendees/{attendee_id}/mute",
                             json={"muted": muted}, expect=AttendeeResponse)

    def guest_join(self, code: str) -> MeetingWithAttendee:
        """No account: the guest's one-time code is the credential."""
        return self._request("POST", self.urls.calling, "/guest/join", json={"code": code}, auth=False,
                             expect=MeetingWithAttendee)

    def phone_call(self, appointment_id: str) -> PhoneCallResponse:
        return self._request("POST", self.urls.calling, f"/appointments/{appointment_id}/phone-call",
                             expect=PhoneCallResponse)


class LocalControl:
    """The local stack's stand-ins for e-mail, SMS and phones (the control API, docs/api/README.md)."""

    def __init__(self, endpoint: str = "http://127.0.0.1:4566", timeout: float = 10.0):
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str) -> Any:
        response = requests.get(self.endpoint + path, timeout=self.timeout)
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response.json()

    def _post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.post(self.endpoint + path, json=body or {}, timeout=self.timeout)
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response.json() if response.content else {}

    def emails(self) -> list[dict[str, Any]]:
        return self._get("/_local/outbox/email")["messages"]

    def sms(self) -> list[dict[str, Any]]:
        return self._get("/_local/outbox/sms")["messages"]

    def calls(self) -> list[dict[str, Any]]:
        return self._get("/_local/calls")["calls"]

    def confirmation_code(self, email: str) -> str:
        codes = [m["code"] for m in self.emails() if m.get("to") == email and m.get("code")]
        if not codes:
            raise LookupError("no confirmation e-mail for this address in the local outbox")
        return codes[-1]

    def invitation_code(self, email: str) -> str:
        """The code of the latest invitation e-mailed to `email` (its body names the code)."""
        codes = [m["code"] for m in self.emails() if m.get("to") == email and m.get("code")
                 and "invitation code" in m.get("body", "")]
        if not codes:
            raise LookupError("no invitation e-mail for this address in the local outbox")
        return codes[-1]

    def admin_credentials(self) -> tuple[str, str]:
        """The local stack's clinic admin (e-mail, password), from its outputs."""
        outputs = self._get("/_local/outputs")
        return outputs["TELEHEALTH_LOCAL_ADMIN_EMAIL"], outputs["TELEHEALTH_LOCAL_ADMIN_PASSWORD"]

    def sms_code(self, to: str) -> str:
        """The one-time code of the latest text to `to` (its outbox row carries it as `code`)."""
        codes = [m["code"] for m in self.sms() if m.get("to") == to and m.get("code")]
        if not codes:
            raise LookupError("no text with a code for this number in the local outbox")
        return codes[-1]

    def answer(self, transaction_id: str) -> None:
        self._post(f"/_local/calls/{transaction_id}/answer")

    def press(self, transaction_id: str, digits: str) -> None:
        self._post(f"/_local/calls/{transaction_id}/digits", {"digits": digits})

    def hang_up(self, transaction_id: str) -> None:
        self._post(f"/_local/calls/{transaction_id}/hangup")
