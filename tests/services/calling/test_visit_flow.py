"""The waiting room, host controls and guest joins on the local stack: capabilities in the
emulator, the item's status and admissions, the channel's meeting messages, the audit table."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from calling_support import attendees, make_appointment, meeting_events, read_item
from telehealth_shared import guest_records
from telehealth_shared.appointment_records import serialize_item
from telehealth_shared.models.common import format_utc

pytestmark = pytest.mark.timeout(120)

MEETING = "/appointments/{}/meeting"
NONE = {"Audio": "None", "Video": "None", "Content": "None"}
FULL = {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"}


def post(api, path, user=None, body=None):
    headers = dict(user.headers) if user else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return api.http.post(path, headers=headers, body=json.dumps(body) if body is not None else b"")


def caps_by_external(stack, meeting_id):
    return {a["ExternalUserId"]: a["Capabilities"] for a in attendees(stack, meeting_id)}


def test_patient_waits_until_admitted_and_the_visit_is_in_progress(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    path = MEETING.format(record.appointment_id)
    started = post(api, path, doctor)
    assert started.status_code == 201
    meeting_id = started.json_body["meeting"]["MeetingId"]
    assert started.json_body["attendee"]["Capabilities"] == FULL
    joined = post(api, path + "/join", patient)
    assert joined.status_code == 200
    caps = caps_by_external(stack, meeting_id)
    assert caps[patient.user_id] == NONE and caps[doctor.user_id] == FULL
    listed = api.http.get(path + "/attendees", headers=patient.headers)
    assert listed.status_code == 200
    states = {a["role"]: a["state"] for a in listed.json_body["attendees"]}
    assert states == {"doctor": "admitted", "patient": "waiting"}
    assert all(set(a) <= {"attendee_id", "user_id", "guest_id", "role", "state", "muted"}
               for a in listed.json_body["attendees"])

    admitted = post(api, path + "/admit", doctor)
    assert admitted.status_code == 200
    assert [(a["role"], a["state"]) for a in admitted.json_body["attendees"]] == [("patient", "admitted")]
    assert caps_by_external(stack, meeting_id)[patient.user_id] == FULL
    item = read_item(stack, record.appointment_id)
    assert item["status"] == "in_progress" and patient.user_id in item["meeting_admitted"]
    assert "meeting_patient_joined_at" in item
    statuses = [e["status"] for e in meeting_events(stack, record, doctor)]
    assert statuses == ["invited", "accepted", "admitted"]
    # Nobody left waiting: nothing written.
    again = post(api, path + "/admit", doctor)
    assert again.status_code == 200 and again.json_body == {"attendees": []}
    assert post(api, path + "/admit", patient).status_code == 403


def test_admission_survives_a_replaced_meeting(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    path = MEETING.format(record.appointment_id)
    first = post(api, path, doctor).json_body["meeting"]["MeetingId"]
    post(api, path + "/join", patient)
    assert post(api, path + "/admit", doctor).status_code == 200
    # The meeting ends behind the service's back (Chime ended it); the next start replaces it.
    stack.client("chime-sdk-meetings").delete_meeting(MeetingId=first)
    dynamodb = stack.client("dynamodb")
    dynamodb.update_item(TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"],
                         Key={"appointment_id": {"S": record.appointment_id}},
                         UpdateExpression="SET meeting_started_at = :old",
                         ExpressionAttributeValues={":old": {"S": "2020-01-01T00:00:00Z"}})
    second = post(api, path, doctor).json_body["meeting"]["MeetingId"]
    assert second != first
    assert caps_by_external(stack, second)[patient.user_id] == FULL


def test_host_controls_mute_and_remove(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    path = MEETING.format(record.appointment_id)
    meeting_id = post(api, path, doctor).json_body["meeting"]["MeetingId"]
    token = post(api, path + "/join", patient).json_body["attendee"]
    attendee_id = token["AttendeeId"]
    # Waiting attendees cannot be unmuted into the meeting.
    assert post(api, path + f"/attendees/{attendee_id}/mute", doctor, {"muted": False}).status_code == 409
    post(api, path + "/admit", doctor, {"attendee_id": attendee_id})
    muted = post(api, path + f"/attendees/{attendee_id}/mute", doctor, {"muted": True})
    assert muted.status_code == 200 and muted.json_body["attendee"]["muted"] is True
    assert caps_by_external(stack, meeting_id)[patient.user_id] == {**FULL, "Audio": "Receive"}
    assert post(api, path + f"/attendees/{attendee_id}/mute", patient, {"muted": False}).status_code == 403
    assert post(api, path + "/attendees/nope/mute", doctor, {"muted": False}).status_code == 404
    removed = api.http.delete(path + f"/attendees/{attendee_id}", headers=doctor.headers)
    assert removed.status_code == 200
    assert patient.user_id not in caps_by_external(stack, meeting_id)
    meetings = stack.client("chime-sdk-meetings")
    with pytest.raises(meetings.exceptions.NotFoundException):
        meetings.get_attendee(MeetingId=meeting_id, AttendeeId=attendee_id)
    assert meeting_events(stack, record, doctor)[-1]["status"] == "left"
    # Coming back means waiting again, with a new attendee.
    back = post(api, path + "/join", patient).json_body["attendee"]
    assert back["AttendeeId"] != attendee_id
    assert caps_by_external(stack, meeting_id)[patient.user_id] == NONE
    own = read_item(stack, record.appointment_id)["meeting_attendees"][doctor.user_id]
    assert api.http.delete(path + f"/attendees/{json.loads(own)['AttendeeId']}",
                           headers=doctor.headers).status_code == 409


def _seed_guest(stack, record, *, starts_in=timedelta(minutes=5)):
    """A guest as scheduling writes one (the scheduling suite tests the invitation itself)."""
    code = guest_records.new_code()
    guest_id = "ab" * 16
    table = stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"]
    dynamodb = stack.client("dynamodb")
    starts = datetime.now(timezone.utc).replace(microsecond=0) + starts_in
    dynamodb.update_item(TableName=table, Key={"appointment_id": {"S": record.appointment_id}},
                         UpdateExpression="SET #g = :g, starts_at = :s",
                         ExpressionAttributeNames={"#g": guest_records.guest_attribute(guest_id)},
                         ExpressionAttributeValues={":g": serialize_item({"g": {"name": "Ines Interpreter",
                                                                                 "kind": "interpreter",
                                                                                 "status": "invited"}})["g"],
                                                    ":s": {"S": format_utc(starts)}})
    dynamodb.put_item(TableName=table, Item={"appointment_id": {"S": guest_records.code_key(code)},
                                             "for_appointment": {"S": record.appointment_id},
                                             "guest_id": {"S": guest_id}})
    return code, guest_id


def test_guest_joins_once_as_waiting(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    code, guest_id = _seed_guest(stack, record)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: post(api, "/guest/join", body={"code": code}), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 404, 404, 404]
    winner = next(a for a in answers if a.status_code == 200).json_body
    meeting_id = winner["meeting"]["MeetingId"]
    assert caps_by_external(stack, meeting_id)[f"guest-{guest_id}"] == NONE
    item = read_item(stack, record.appointment_id)
    assert item[f"guest_{guest_id}"]["status"] == "joined"
    assert item[f"guest_{guest_id}"]["attendee_id"] == winner["attendee"]["AttendeeId"]
    events = meeting_events(stack, record, doctor)
    assert events[-1]["status"] == "waiting" and events[-1]["guest_id"] == guest_id
    assert "Ines" not in json.dumps(events)
    listed = api.http.get(MEETING.format(record.appointment_id) + "/attendees", headers=doctor.headers).json_body
    assert {"role": "guest", "guest_id": guest_id, "state": "waiting"}.items() <= next(
        a for a in listed["attendees"] if a["role"] == "guest").items()
    # Used, unknown and malformed codes all look the same.
    for wrong in (code, "x" * 16):
        refused = post(api, "/guest/join", body={"code": wrong})
        assert refused.status_code == 404 and refused.json_body["error"]["code"] == "NotFound"
    audit = stack.client("dynamodb").scan(TableName=stack.settings["TELEHEALTH_AUDIT_TABLE"])["Items"]
    joins = [i for i in audit if i["action"]["S"] == "guest.join"]
    assert {i["outcome"]["S"] for i in joins} == {"allowed", "denied"}
    assert all(code not in json.dumps(i) for i in joins)


def test_guest_code_outside_its_window_or_revoked_is_refused(api, stack, users):
    doctor, patient = users["doctor"], users["patient"]
    early = make_appointment(stack, doctor, patient)
    code, _ = _seed_guest(stack, early, starts_in=timedelta(hours=2))
    assert post(api, "/guest/join", body={"code": code}).status_code == 404
    revoked = make_appointment(stack, doctor, patient)
    code, guest_id = _seed_guest(stack, revoked)
    stack.client("dynamodb").update_item(
        TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": revoked.appointment_id}},
        UpdateExpression="SET #g.#s = :r", ExpressionAttributeNames={"#g": f"guest_{guest_id}", "#s": "status"},
        ExpressionAttributeValues={":r": {"S": "revoked"}})
    assert post(api, "/guest/join", body={"code": code}).status_code == 404


@pytest.mark.parametrize("status", ["completed", "no_show", "cancelled"])
def test_closed_visits_refuse_meetings_but_stay_readable(api, stack, users, status):
    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient, status=status)
    path = MEETING.format(record.appointment_id)
    assert post(api, path, doctor).status_code == 409
    assert post(api, path + "/join", patient).status_code == 409
    assert api.http.get(path, headers=patient.headers).status_code == 404


def test_a_dialled_patient_waits_like_the_others_and_is_admitted(api, stack, users):
    from stack_fixture import wait_for

    doctor, patient = users["doctor"], users["patient"]
    record = make_appointment(stack, doctor, patient)
    placed = post(api, f"/appointments/{record.appointment_id}/phone-call", doctor)
    assert placed.status_code == 202
    transaction_id, meeting_id = placed.json_body["transaction_id"], placed.json_body["meeting_id"]
    wait_for(lambda: stack.call(transaction_id)["status"] == "ringing" or None, timeout=10)
    assert stack.answer(transaction_id).status_code == 200
    assert stack.digits(transaction_id, "1").status_code == 200
    assert stack.call(transaction_id)["status"] == "joined"
    phone_id = f"phone-{patient.user_id}"
    assert caps_by_external(stack, meeting_id)[phone_id] == NONE
    path = MEETING.format(record.appointment_id)
    listed = api.http.get(path + "/attendees", headers=doctor.headers).json_body["attendees"]
    phone = next(a for a in listed if a["role"] == "phone")
    assert (phone["state"], phone["user_id"], phone["muted"]) == ("waiting", patient.user_id, False)
    assert read_item(stack, record.appointment_id)["meeting_patient_joined_at"]
    admitted = post(api, path + "/admit", doctor, {"attendee_id": phone["attendee_id"]})
    assert admitted.status_code == 200 and admitted.json_body["attendees"][0]["state"] == "admitted"
    assert caps_by_external(stack, meeting_id)[phone_id] == FULL
    assert phone_id in read_item(stack, record.appointment_id)["meeting_admitted"]
    stack.hangup(transaction_id)
