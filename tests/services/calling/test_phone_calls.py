"""Phone calls into meetings on the local stack, end to end through the control API: dial,
answer, greeting, press 1, the phone attendee in the meeting, hang up; and decline by hanging up."""
from __future__ import annotations

import json
import logging

import pytest

from calling_support import attendees, make_appointment, meeting_events, meeting_exists, read_call_item, read_item
from stack_fixture import wait_for

pytestmark = pytest.mark.timeout(120)


def phone_call(api, record, user):
    return api.http.post(f"/appointments/{record.appointment_id}/phone-call", headers=user.headers, body=b"")


def call_state(stack, transaction_id):
    return next(c for c in stack.calls() if c["transaction_id"] == transaction_id)


def wait_ringing(stack, transaction_id):
    """Dialling runs on the call's own thread (NEW_OUTBOUND_CALL, then RINGING): wait for it."""
    return wait_for(lambda: (c := call_state(stack, transaction_id))["status"] == "ringing" and c, timeout=10,
                    message="the phone to ring")


def answer(stack, transaction_id):
    wait_ringing(stack, transaction_id)
    response = stack.answer(transaction_id)
    assert response.status_code == 200, response.text


def greeting(patient, doctor):
    return f"Hi {patient.name}, you have an appointment with {doctor.name}. Press 1 to join the call."


def phone_attendees(stack, meeting_id, patient):
    return [a for a in attendees(stack, meeting_id) if a["ExternalUserId"] == f"phone-{patient.user_id}"]


def test_phone_call_joins_the_meeting_and_hangup_removes_the_attendee(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    response = phone_call(api, record, doctor)
    assert response.status_code == 202, response.body
    body = json.loads(response.body)
    transaction_id, meeting_id = body["transaction_id"], body["meeting_id"]
    # The call went to the patient's number from Cognito, from the service's number.
    call = wait_ringing(stack, transaction_id)
    assert call["to"] == patient.phone_number and call["from"] == stack.settings["TELEHEALTH_PHONE_NUMBER"]
    # The meeting was created for it and announced, and the call is on record with a TTL.
    assert read_item(stack, record.appointment_id)["meeting_id"] == meeting_id
    assert [(e["status"], e["via"]) for e in meeting_events(stack, record, patient)] == [("invited", "phone")]
    item = read_call_item(stack, transaction_id)
    assert item["appointment_id"] == record.appointment_id and item["meeting_id"] == meeting_id
    assert item["status"] == "dialing" and item["expires_at"] > item["created_at"]
    assert not {"patient_name", "doctor_name", "phone_number"} & set(item)  # ids only, no PHI

    answer(stack, transaction_id)
    call = call_state(stack, transaction_id)
    assert call["spoken"] == [greeting(patient, doctor)]
    assert call["status"] == "answered" and not call.get("errors")

    assert stack.digits(transaction_id, "1").status_code == 200
    call = call_state(stack, transaction_id)
    assert call["status"] == "joined", call
    (phone,) = phone_attendees(stack, meeting_id, patient)
    assert call["attendee_id"] == phone["AttendeeId"] and call["meeting_id"] == meeting_id
    events = meeting_events(stack, record, doctor)
    assert (events[-1]["status"], events[-1]["via"], events[-1]["meeting_id"]) == ("accepted", "phone", meeting_id)
    assert events[-1]["sender"] == patient.app_instance_user_arn
    item = read_call_item(stack, transaction_id)
    assert item["status"] == "joined" and item["attendee_id"] == phone["AttendeeId"]

    assert stack.hangup(transaction_id).status_code == 200
    wait_for(lambda: not phone_attendees(stack, meeting_id, patient), timeout=10, message="the phone attendee to leave")
    assert read_call_item(stack, transaction_id)["status"] == "ended"
    # The web attendees and the meeting stay: only the phone left.
    assert {a["ExternalUserId"] for a in attendees(stack, meeting_id)} == {doctor.user_id, patient.user_id}
    assert [e["status"] for e in meeting_events(stack, record, doctor)] == ["invited", "accepted"]
    assert not call_state(stack, transaction_id).get("errors")
    # The handler's log lines (in the stack's Lambda worker) name ids, never the people.
    handler_lines = [line for line in stack.log().splitlines() if '"service": "calling"' in line]
    assert any(transaction_id in line for line in handler_lines)
    for text in (patient.phone_number, patient.name, doctor.name, stack.settings["TELEHEALTH_PHONE_NUMBER"]):
        assert not any(text in line for line in handler_lines)


def test_hanging_up_before_pressing_1_declines(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    meeting_id = json.loads(api.http.post(f"/appointments/{record.appointment_id}/meeting", headers=doctor.headers,
                                          body=b"").body)["meeting"]["MeetingId"]
    body = json.loads(phone_call(api, record, doctor).body)
    # An active meeting is reused, and not announced a second time.
    assert body["meeting_id"] == meeting_id
    transaction_id = body["transaction_id"]
    answer(stack, transaction_id)
    assert call_state(stack, transaction_id)["spoken"] == [greeting(patient, doctor)]
    assert stack.hangup(transaction_id).status_code == 200
    events = wait_for(lambda: [e for e in meeting_events(stack, record, doctor) if e["status"] == "declined"] or None,
                      timeout=10, message="the declined event")
    assert [(e["status"], e["via"], e["meeting_id"]) for e in events] == [("declined", "phone", meeting_id)]
    assert events[0]["sender"] == patient.app_instance_user_arn
    assert [e["status"] for e in meeting_events(stack, record, doctor)] == ["invited", "declined"]
    assert phone_attendees(stack, meeting_id, patient) == []
    assert read_call_item(stack, transaction_id)["status"] == "declined"


def test_hanging_up_while_ringing_declines(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    transaction_id = json.loads(phone_call(api, record, doctor).body)["transaction_id"]
    wait_ringing(stack, transaction_id)
    stack.hangup(transaction_id)
    wait_for(lambda: [e for e in meeting_events(stack, record, doctor) if e["status"] == "declined"] or None,
             timeout=10, message="the declined event")
    assert call_state(stack, transaction_id)["spoken"] == []


def test_wrong_digit_is_asked_again(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    body = json.loads(phone_call(api, record, doctor).body)
    transaction_id = body["transaction_id"]
    answer(stack, transaction_id)
    stack.digits(transaction_id, "7")
    call = call_state(stack, transaction_id)
    assert call["status"] == "answered" and len(call["spoken"]) == 3  # greeting, retry prompt, greeting
    stack.digits(transaction_id, "1")
    assert call_state(stack, transaction_id)["status"] == "joined"
    assert phone_attendees(stack, body["meeting_id"], patient)
    stack.hangup(transaction_id)


def test_meeting_ended_before_answer_says_so_and_hangs_up(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    transaction_id = json.loads(phone_call(api, record, doctor).body)["transaction_id"]
    assert api.http.delete(f"/appointments/{record.appointment_id}/meeting", headers=doctor.headers).status_code == 200
    answer(stack, transaction_id)
    call = wait_for(lambda: (c := call_state(stack, transaction_id))["status"] == "ended" and c, timeout=10,
                    message="the call to end")
    assert call["spoken"] == ["Sorry, this video call has already ended. Goodbye."]
    assert not call.get("errors")


def test_phone_call_rules(api, stack, users):
    record = make_appointment(stack, users["doctor"], users["patient"])
    assert phone_call(api, record, users["patient"]).status_code == 403
    assert phone_call(api, record, users["other_doctor"]).status_code == 404
    assert "meeting_id" not in read_item(stack, record.appointment_id)


def test_failed_dial_leaves_no_meeting_behind(api, stack, users, monkeypatch, caplog):
    """CreateSipMediaApplicationCall fails (no such SIP media application): 503, the meeting
    created for the call is deleted and forgotten, nothing is recorded or announced."""
    from telehealth_shared.config import get_settings

    record = make_appointment(stack, users["doctor"], users["patient"])
    calls_before = {c["transaction_id"] for c in stack.calls()}
    monkeypatch.setenv("TELEHEALTH_SIP_MEDIA_APPLICATION_ID", "00000000-0000-0000-0000-000000000000")
    get_settings.cache_clear()
    caplog.set_level(logging.INFO, logger="telehealth.calling")
    try:
        response = phone_call(api, record, users["doctor"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert response.status_code == 503, response.body
    rolled_back = [r.fields["meeting_id"] for r in caplog.records if getattr(r, "fields", None)
                   and r.getMessage() == "meeting_rolled_back" and r.fields.get("appointment_id") == record.appointment_id]
    assert len(rolled_back) == 1
    assert {c["transaction_id"] for c in stack.calls()} == calls_before
    assert "meeting_id" not in read_item(stack, record.appointment_id)
    assert meeting_events(stack, record, users["doctor"]) == []
    assert not meeting_exists(stack, rolled_back[0])
    # Nothing rang, so the call does not count against the limit of 3 in 10 minutes.
    assert read_item(stack, record.appointment_id)["phone_calls_placed"] == []


def test_a_changed_unconfirmed_number_is_not_called(api, stack):
    """A patient who changed its number through PATCH /me and has not confirmed it: 409, no
    call dialled, no meeting made for it."""
    from users import make_user, random_phone

    doctor, patient = make_user(stack.settings, "doctor"), make_user(stack.settings, "patient")
    new_number = random_phone()
    stack.client("cognito-idp").admin_update_user_attributes(
        UserPoolId=stack.settings["TELEHEALTH_USER_POOL_ID"], Username=patient.user_id,
        UserAttributes=[{"Name": "phone_number", "Value": new_number}, {"Name": "phone_number_verified", "Value": "false"},
                        {"Name": "custom:phone_pending", "Value": "true"}])
    record = make_appointment(stack, doctor, patient)
    response = phone_call(api, record, doctor)
    assert response.status_code == 409, response.body
    assert "not confirmed" in json.loads(response.body)["error"]["message"]
    assert [c for c in stack.calls() if c["to"] in (new_number, patient.phone_number)] == []
    assert "meeting_id" not in read_item(stack, record.appointment_id)


def _pressed_1(stack, transaction_id):
    """The SpeakAndGetDigits success with `1` as the SIP media application sends it."""
    from calling_support import sma_event

    return sma_event("ACTION_SUCCESSFUL", transaction_id=transaction_id,
                     sip_media_application_id=stack.settings["TELEHEALTH_SIP_MEDIA_APPLICATION_ID"],
                     account=stack.settings["TELEHEALTH_APP_INSTANCE_ARN"].split(":")[4],
                     action_data={"Type": "SpeakAndGetDigits", "Parameters": {"CallId": "call-id-1"},
                                  "ReceivedDigits": "1"})


def test_a_1_arriving_after_the_call_was_declined_joins_nothing(api, stack, users, calling_app):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    body = json.loads(phone_call(api, record, doctor).body)
    transaction_id, meeting_id = body["transaction_id"], body["meeting_id"]
    answer(stack, transaction_id)
    assert stack.hangup(transaction_id).status_code == 200
    wait_for(lambda: read_call_item(stack, transaction_id)["status"] == "declined", timeout=10,
             message="the call to be declined")
    # A late digit event for that call (as a delayed or redelivered one would arrive).
    response = calling_app.sma_handler(_pressed_1(stack, transaction_id), None)
    assert "JoinChimeMeeting" not in [a["Type"] for a in response["Actions"]]
    assert phone_attendees(stack, meeting_id, patient) == []
    assert read_call_item(stack, transaction_id)["status"] == "declined"
    assert [e["status"] for e in meeting_events(stack, record, doctor)] == ["invited", "declined"]


def test_a_1_for_an_appointment_cancelled_meanwhile_joins_nothing(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    body = json.loads(phone_call(api, record, doctor).body)
    transaction_id, meeting_id = body["transaction_id"], body["meeting_id"]
    answer(stack, transaction_id)
    # Cancelled while the patient listens to the greeting (what scheduling writes).
    stack.client("dynamodb").update_item(
        TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": record.appointment_id}},
        UpdateExpression="SET #s = :c", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": {"S": "cancelled"}})
    assert stack.digits(transaction_id, "1").status_code == 200
    call = wait_for(lambda: (c := call_state(stack, transaction_id))["status"] == "ended" and c, timeout=10,
                    message="the call to end")
    assert call["spoken"][-1] == "Sorry, this video call has already ended. Goodbye."
    assert phone_attendees(stack, meeting_id, patient) == []
    assert read_call_item(stack, transaction_id)["status"] != "joined"


def test_a_deployment_without_pstn_audio_answers_409_and_dials_nothing(api, stack, users, monkeypatch):
    """PSTN audio is in maintenance mode: with TELEHEALTH_PSTN_ENABLED false the doctor gets a
    readable 409, no meeting is created, no call is placed; a stranger still gets 404."""
    from telehealth_shared.config import get_settings

    record = make_appointment(stack, users["doctor"], users["patient"])
    calls_before = {c["transaction_id"] for c in stack.calls()}
    monkeypatch.setenv("TELEHEALTH_PSTN_ENABLED", "false")
    get_settings.cache_clear()
    try:
        response = phone_call(api, record, users["doctor"])
        stranger = phone_call(api, record, users["other_doctor"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert response.status_code == 409, response.body
    error = json.loads(response.body)["error"]
    assert error["code"] == "Conflict" and "PSTN audio is turned off" in error["message"]
    assert stranger.status_code == 404
    assert {c["transaction_id"] for c in stack.calls()} == calls_before
    assert "meeting_id" not in read_item(stack, record.appointment_id)
    assert meeting_events(stack, record, users["doctor"]) == []
