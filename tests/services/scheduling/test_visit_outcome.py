"""Outcomes and guests on the local stack: complete, no-show (doctor and timer), cancel ending
the meeting and hanging up a ringing call, guest invitations with codes from the SMS outbox."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import in_days, wait_for
from telehealth_shared.aws import default_clients
from telehealth_shared.config import get_settings
from telehealth_shared.guest_records import code_key
from telehealth_shared.models.common import format_utc

pytestmark = pytest.mark.timeout(120)


def _with_meeting(stack, state, appointment_id):
    """A live meeting recorded on the item as calling records it."""
    meetings = stack.client("chime-sdk-meetings")
    item = state.item(appointment_id)
    created = meetings.create_meeting_with_attendees(
        ClientRequestToken=appointment_id, MediaRegion="us-east-1", ExternalMeetingId=f"{appointment_id}.1",
        Attendees=[{"ExternalUserId": item["doctor_id"]}, {"ExternalUserId": item["patient_id"]}])
    meeting = created["Meeting"]
    state.dynamodb.update_item(
        TableName=state.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": appointment_id}},
        UpdateExpression="SET meeting_id = :m, meeting = :j, meeting_attendees = :a, meeting_started_at = :s, "
                         "meeting_generation = :g",
        ExpressionAttributeValues={":m": {"S": meeting["MeetingId"]}, ":j": {"S": json.dumps(meeting)},
                                   ":a": {"M": {}}, ":s": {"S": format_utc(datetime.now(timezone.utc))},
                                   ":g": {"N": "1"}})
    return meeting["MeetingId"], created["Attendees"]


def _meeting_gone(stack, meeting_id):
    meetings = stack.client("chime-sdk-meetings")
    try:
        meetings.get_meeting(MeetingId=meeting_id)
        return False
    except meetings.exceptions.NotFoundException:
        return True


def _meeting_statuses(state, appointment_id, reader):
    messages = state.chime.list_channel_messages(ChannelArn=state.channel_arn(appointment_id),
                                                 ChimeBearer=reader.app_instance_user_arn)["ChannelMessages"]
    return [json.loads(m["Metadata"])["data"]["status"] for m in messages
            if json.loads(m.get("Metadata") or "{}").get("kind") == "meeting"]


def _starts_in_past(state, appointment_id, minutes=20):
    past = format_utc(datetime.now(timezone.utc) - timedelta(minutes=minutes))
    state.dynamodb.update_item(
        TableName=state.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": appointment_id}},
        UpdateExpression="SET starts_at = :p", ExpressionAttributeValues={":p": {"S": past}})


def test_complete_ends_the_meeting_and_closes_the_visit(api, stack, state, fresh_pair):
    doctor, patient = fresh_pair
    appointment = api.create(doctor, patient, in_days(1)).body
    appointment_id = appointment["appointment_id"]
    meeting_id, _ = _with_meeting(stack, state, appointment_id)
    assert api.call("POST", f"/appointments/{appointment_id}/complete", patient).status == 403
    done = api.call("POST", f"/appointments/{appointment_id}/complete", doctor)
    assert done.status == 200 and done.body["status"] == "completed"
    assert _meeting_gone(stack, meeting_id)
    item = state.item(appointment_id)
    assert item["status"] == "completed" and "meeting_id" not in item
    assert _meeting_statuses(state, appointment_id, doctor) == ["ended"]
    assert api.call("GET", f"/appointments/{appointment_id}", patient).body["status"] == "completed"
    listed = api.call("GET", "/appointments?status=completed", doctor).body["appointments"]
    assert [a["appointment_id"] for a in listed] == [appointment_id]
    # Closed for good: no cancel, no move, no second outcome.
    assert api.call("DELETE", f"/appointments/{appointment_id}", doctor).status == 409
    assert api.call("PATCH", f"/appointments/{appointment_id}", doctor, {"reason": "x"}).status == 409
    assert api.call("POST", f"/appointments/{appointment_id}/no-show", doctor).status == 409
    # A repeated complete answers as it is.
    assert api.call("POST", f"/appointments/{appointment_id}/complete", doctor).status == 200


def _dial(stack, state, appointment_id, meeting_id, patient, doctor):
    """A phone call as calling places one: the simulator dials, the calls table knows it."""
    settings = state.settings
    call = stack.client("chime-sdk-voice").create_sip_media_application_call(
        FromPhoneNumber=settings["TELEHEALTH_PHONE_NUMBER"], ToPhoneNumber=patient.phone_number,
        SipMediaApplicationId=settings["TELEHEALTH_SIP_MEDIA_APPLICATION_ID"],
        ArgumentsMap={"appointment_id": appointment_id, "meeting_id": meeting_id})
    transaction_id = call["SipMediaApplicationCall"]["TransactionId"]
    now = int(time.time())
    state.dynamodb.put_item(TableName=settings["TELEHEALTH_CALLS_TABLE"], Item={
        "transaction_id": {"S": transaction_id}, "appointment_id": {"S": appointment_id},
        "meeting_id": {"S": meeting_id}, "patient_id": {"S": patient.user_id}, "doctor_id": {"S": doctor.user_id},
        "status": {"S": "dialing"}, "created_at": {"N": str(now)}, "expires_at": {"N": str(now + 3600)}})
    wait_for(lambda: stack.call(transaction_id)["status"] == "ringing" or None)
    return transaction_id


@pytest.mark.parametrize("answered", [True, False], ids=["answered", "ringing"])
def test_cancel_ends_the_meeting_and_the_phone_call(api, stack, state, fresh_pair, answered):
    doctor, patient = fresh_pair
    appointment_id = api.create(doctor, patient, in_days(1)).body["appointment_id"]
    meeting_id, chime_attendees = _with_meeting(stack, state, appointment_id)
    transaction_id = _dial(stack, state, appointment_id, meeting_id, patient, doctor)
    if answered:
        stack.answer(transaction_id)
        assert stack.call(transaction_id)["awaiting_digits"] is True
    cancelled = api.call("DELETE", f"/appointments/{appointment_id}", patient)
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled"
    assert _meeting_gone(stack, meeting_id)
    meetings = stack.client("chime-sdk-meetings")
    with pytest.raises(meetings.exceptions.NotFoundException):
        meetings.get_attendee(MeetingId=meeting_id, AttendeeId=chime_attendees[1]["AttendeeId"])
    assert "meeting_id" not in state.item(appointment_id)
    if not answered:
        # Nothing to hang up yet: picking up hears that the call is over, and it ends.
        stack.answer(transaction_id)
    call = wait_for(lambda: (lambda c: c if c["status"] == "ended" else None)(stack.call(transaction_id)), timeout=20)
    if not answered:
        assert "already ended" in call["spoken"][-1]
    assert _meeting_statuses(state, appointment_id, doctor) == ["ended"]


def test_no_show_by_the_doctor_only_after_the_start(api, state, fresh_pair):
    doctor, patient = fresh_pair
    appointment_id = api.create(doctor, patient, in_days(1)).body["appointment_id"]
    early = api.call("POST", f"/appointments/{appointment_id}/no-show", doctor)
    assert early.status == 409
    _starts_in_past(state, appointment_id)
    marked = api.call("POST", f"/appointments/{appointment_id}/no-show", doctor)
    assert marked.status == 200 and marked.body["status"] == "no_show"
    assert state.item(appointment_id)["status"] == "no_show"


def _timer_event(state, appointment_id, minutes_ago=1):
    item = state.item(appointment_id)
    return {"step": "no_show", "appointment_id": appointment_id, "version": item["version"],
            "no_show_at": format_utc(datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)),
            "execution_arn": item["reminder_execution_arn"]}


def test_the_timer_marks_a_patient_who_never_came_and_spares_one_who_checked_in(api, state, fresh_pair):
    from chalicelib.no_show_timer import NoShowTooEarly, handle_no_show

    doctor, patient = fresh_pair
    absent = api.create(doctor, patient, in_days(1)).body["appointment_id"]
    came = api.create(doctor, patient, in_days(2)).body["appointment_id"]
    with pytest.raises(NoShowTooEarly):
        handle_no_show(default_clients(), get_settings(), _timer_event(state, absent, minutes_ago=-5))
    assert handle_no_show(default_clients(), get_settings(), _timer_event(state, absent)) == {"no_show": True}
    assert state.item(absent)["status"] == "no_show"
    # Checked in once, then out again: still came.
    state.dynamodb.update_item(
        TableName=state.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": came}},
        UpdateExpression="SET presence_patient_checked_in_at = :t",
        ExpressionAttributeValues={":t": {"S": format_utc(datetime.now(timezone.utc))}})
    assert handle_no_show(default_clients(), get_settings(), _timer_event(state, came))["no_show"] is False
    assert state.item(came)["status"] == "scheduled"
    # A cancelled visit stays cancelled.
    api.call("DELETE", f"/appointments/{came}", doctor)
    assert handle_no_show(default_clients(), get_settings(), _timer_event(state, came)) == {
        "no_show": False, "skipped": "cancelled"}
    assert state.item(came)["status"] == "cancelled"


def test_the_state_machine_runs_the_no_show_step(api, state, fresh_pair):
    doctor, patient = fresh_pair
    appointment_id = api.create(doctor, patient, in_days(1)).body["appointment_id"]
    item = state.item(appointment_id)
    started = state.sfn.start_execution(
        stateMachineArn=state.settings["TELEHEALTH_STATE_MACHINE_ARN"], name=f"{appointment_id}-noshow",
        input=json.dumps({"appointment_id": appointment_id, "version": item["version"], "reminders": [],
                          "no_show_at": format_utc(datetime.now(timezone.utc) + timedelta(seconds=2))}))
    # The Lambda acts only for the execution the item names.
    state.dynamodb.update_item(
        TableName=state.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": appointment_id}},
        UpdateExpression="SET reminder_execution_arn = :e", ExpressionAttributeValues={":e": {"S": started["executionArn"]}})
    done = state.wait_execution_done(started["executionArn"], timeout=60)
    assert done["status"] == "SUCCEEDED", done
    assert state.item(appointment_id)["status"] == "no_show"


def test_guest_invitation_texts_a_single_use_code_stored_hashed(api, stack, state, fresh_pair):
    doctor, patient = fresh_pair
    appointment_id = api.create(doctor, patient, in_days(1)).body["appointment_id"]
    path = f"/appointments/{appointment_id}/guests"
    number = "+14155550142"
    body = {"name": "Ines Interpreter", "kind": "interpreter", "phone_number": number}
    assert api.call("POST", path, patient, body).status == 403
    assert api.call("POST", path, doctor, {**body, "email": "i@example.com"}).status == 400
    assert api.call("POST", path, doctor, {"name": "Ines", "kind": "interpreter"}).status == 400
    assert api.call("POST", path, doctor, {**body, "name": "see www.evil.example"}).status == 400
    created = api.call("POST", path, doctor, body)
    assert created.status == 201, created
    guest = created.body
    assert set(guest) == {"guest_id", "name", "kind", "status", "expires_at"} and guest["status"] == "invited"
    text = wait_for(lambda: next((m for m in stack.sms() if m["to"] == number), None))
    code = text["code"]
    assert code in text["body"] and "Ines" not in text["body"]
    item = state.item(appointment_id)
    assert code not in json.dumps(item, default=str) and number not in json.dumps(item, default=str)
    lookup = state.dynamodb.get_item(TableName=state.settings["TELEHEALTH_APPOINTMENTS_TABLE"],
                                     Key={"appointment_id": {"S": code_key(code)}})["Item"]
    assert lookup["guest_id"]["S"] == guest["guest_id"] and code not in json.dumps(lookup)
    listed = api.call("GET", path, patient).body["guests"]
    assert [g["guest_id"] for g in listed] == [guest["guest_id"]]
    revoked = api.call("DELETE", f"{path}/{guest['guest_id']}", doctor)
    assert revoked.status == 200 and revoked.body["status"] == "revoked"
    assert api.call("DELETE", f"{path}/{'0' * 32}", doctor).status == 404
    by_mail = api.call("POST", path, doctor, {"name": "Carl Caregiver", "kind": "caregiver", "email": "carl@example.com"})
    assert by_mail.status == 201, by_mail
    mail = wait_for(lambda: next((m for m in stack.emails() if m["to"] == "carl@example.com"), None))
    assert mail["code"] in mail["body"] and "Carl" not in mail["body"]
    assert "carl@example.com" not in json.dumps(state.item(appointment_id), default=str)
