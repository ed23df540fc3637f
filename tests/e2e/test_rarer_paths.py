"""The paths a visit rarely takes, end to end over HTTP: a changed name and number, a guest by
e-mail who is revoked after joining, a cancel during a live phone call, and the undo of a sign-up
and a guest invitation whose last step failed (faults aimed by the local stack). Each asserts on
the state left behind; together they also prove the roles' grants for these paths."""
from __future__ import annotations

import re
import secrets
from typing import Any

import pytest

from stack_fixture import wait_for
from users import PASSWORD, random_phone


@pytest.fixture
def faults(stack: Any) -> Any:
    """Aims the local stack's fault injection at named operations; always turned off after."""

    def aim(*operations: str) -> None:
        response = stack.control("POST", "faults", json={"rate": 1, "kinds": ["unavailable"],
                                                         "operations": list(operations)})
        assert response.status_code == 200, response.text

    yield aim
    stack.control("DELETE", "faults")


def _attendee_ids(stack: Any, meeting_id: str) -> set[str]:
    meetings = stack.client("chime-sdk-meetings")
    return {a["AttendeeId"] for a in meetings.list_attendees(MeetingId=meeting_id)["Attendees"]}


def test_a_changed_name_and_number_are_confirmed_by_a_texted_code(stack: Any, api: Any, new_user: Any) -> None:
    patient = new_user("patient")
    number = random_phone()
    me = api.ok("identity", "PATCH", "/me", patient, json={"name": "Robin Renamed", "phone_number": number})
    assert (me["name"], me["phone_number"], me["phone_number_verified"]) == ("Robin Renamed", number, False)
    text = wait_for(lambda: next((m for m in stack.sms() if m["to"] == number), None), message="the code's text")
    code = re.search(r"code is (\S+)\.", text["body"]).group(1)
    wrong = "1" * len(code) if code == "0" * len(code) else "0" * len(code)
    assert api.call("identity", "POST", "/me/phone/confirm", patient, json={"code": wrong}).status_code == 400
    confirmed = api.ok("identity", "POST", "/me/phone/confirm", patient, json={"code": code})
    assert confirmed["phone_number_verified"] is True and confirmed["phone_number"] == number
    user = stack.client("chime-sdk-identity").describe_app_instance_user(
        AppInstanceUserArn=patient.app_instance_user_arn)["AppInstanceUser"]
    assert user["Name"] == "Robin Renamed"


def test_a_guest_invited_by_e_mail_joins_and_is_revoked(stack: Any, api: Any, people: Any, appointments: Any) -> None:
    visit = appointments.book(people.doctor, people.patient, starts_at=appointments.future_time(10))
    meeting = appointments.start_meeting(visit, people.doctor)["meeting"]
    email = f"interpreter-{secrets.token_hex(4)}@example.com"
    path = f"/appointments/{visit['appointment_id']}/guests"
    guest = api.ok("scheduling", "POST", path, people.doctor, json={"name": "Ines Interprete", "kind": "interpreter",
                                                                     "email": email}, expect=201)
    mail = wait_for(lambda: next((m for m in stack.emails() if m["to"] == email and m.get("code")), None),
                    message="the guest's e-mail")
    joined = api.ok("calling", "POST", "/guest/join", json={"code": mail["code"]})
    attendee_id = joined["attendee"]["AttendeeId"]
    assert attendee_id in _attendee_ids(stack, meeting["MeetingId"])
    revoked = api.ok("scheduling", "DELETE", f"{path}/{guest['guest_id']}", people.doctor)
    assert revoked["status"] == "revoked"
    assert attendee_id not in _attendee_ids(stack, meeting["MeetingId"])
    assert api.call("calling", "POST", "/guest/join", json={"code": mail["code"]}).status_code == 404


def test_cancelling_during_a_live_phone_call_hangs_it_up(stack: Any, api: Any, people: Any, appointments: Any) -> None:
    visit = appointments.book(people.doctor, people.patient)
    call = api.ok("calling", "POST", f"/appointments/{visit['appointment_id']}/phone-call", people.doctor, expect=202)
    assert stack.answer(call["transaction_id"]).status_code == 200
    appointments.cancel(visit, people.patient)
    wait_for(lambda: stack.call(call["transaction_id"])["status"] == "ended", message="the call to be hung up")
    assert api.call("calling", "GET", f"/appointments/{visit['appointment_id']}/meeting", people.doctor).status_code == 404


def test_a_sign_up_whose_attributes_cannot_be_set_leaves_no_user(stack: Any, api: Any, faults: Any) -> None:
    email = f"half-{secrets.token_hex(4)}@example.com"
    faults("cognito-idp:AdminUpdateUserAttributes")
    response = api.call("identity", "POST", "/signup", json={"email": email, "password": PASSWORD, "name": "Half Done",
                                                            "phone_number": random_phone()})
    assert response.status_code == 503, response.text
    users = stack.client("cognito-idp").list_users(UserPoolId=stack.settings["TELEHEALTH_USER_POOL_ID"],
                                                   Filter=f'email = "{email}"')["Users"]
    assert users == []


def test_a_guest_invitation_whose_e_mail_fails_leaves_no_guest(stack: Any, api: Any, people: Any, appointments: Any,
                                                                faults: Any) -> None:
    visit = appointments.book(people.doctor, people.patient, starts_at=appointments.future_time(10))
    path = f"/appointments/{visit['appointment_id']}/guests"
    faults("ses:POST /v2/email/outbound-emails")
    response = api.call("scheduling", "POST", path, people.doctor,
                        json={"name": "Carla Caregiver", "kind": "caregiver", "email": "carla@example.com"})
    assert response.status_code == 503, response.text
    stack.control("DELETE", "faults")
    assert api.ok("scheduling", "GET", path, people.doctor)["guests"] == []
