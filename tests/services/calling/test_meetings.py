"""Video meetings on the local stack: start, reuse, join, decline, end, every access rule,
stale meetings, and one meeting per appointment under concurrent starts."""
from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from calling_support import attendees, make_appointment, meeting_events, meeting_exists, read_item

pytestmark = pytest.mark.timeout(120)

MEETING = "/appointments/{}/meeting"


def post(api, path, user, body=None):
    headers = dict(user.headers)
    if body is not None:
        headers["Content-Type"] = "application/json"
    return api.http.post(path, headers=headers, body=json.dumps(body) if body is not None else b"")


def get(api, path, user):
    return api.http.get(path, headers=user.headers)


def delete(api, path, user):
    return api.http.delete(path, headers=user.headers)


def start(api, record, user, body=None):
    return post(api, MEETING.format(record.appointment_id), user, body)


def join(api, record, user):
    return post(api, MEETING.format(record.appointment_id) + "/join", user)


def error_code(response):
    return json.loads(response.body)["error"]["code"]


@pytest.fixture
def appointment(stack, users):
    return make_appointment(stack, users["doctor"], users["patient"])


def test_doctor_starts_meeting_in_chime_shapes_and_invites(api, stack, users, appointment):
    doctor, patient = users["doctor"], users["patient"]
    response = start(api, appointment, doctor)
    assert response.status_code == 201, response.body
    body = json.loads(response.body)
    meeting, attendee = body["meeting"], body["attendee"]
    assert {"MeetingId", "MediaPlacement", "MediaRegion", "ExternalMeetingId", "MeetingArn"} <= set(meeting)
    assert {"AudioHostUrl", "SignalingUrl"} <= set(meeting["MediaPlacement"])
    assert meeting["MediaRegion"] == "us-east-1"
    assert meeting["ExternalMeetingId"].startswith(appointment.appointment_id)
    assert attendee["ExternalUserId"] == doctor.user_id and attendee["JoinToken"] and attendee["AttendeeId"]
    # Both participants got their attendee with the meeting, and the item records it.
    assert {a["ExternalUserId"] for a in attendees(stack, meeting["MeetingId"])} == {doctor.user_id, patient.user_id}
    item = read_item(stack, appointment.appointment_id)
    assert item["meeting_id"] == meeting["MeetingId"]
    assert item["meeting_generation"] == 1
    events = meeting_events(stack, appointment, patient)
    assert [(e["status"], e["via"], e["meeting_id"]) for e in events] == [("invited", "web", meeting["MeetingId"])]
    assert events[0]["sender"] == doctor.app_instance_user_arn


def test_start_takes_media_region_and_empty_body_means_default(api, stack, users):
    record = make_appointment(stack, users["doctor"], users["patient"])
    response = start(api, record, users["doctor"], {"media_region": "eu-west-1"})
    assert response.status_code == 201, response.body
    assert json.loads(response.body)["meeting"]["MediaRegion"] == "eu-west-1"


@pytest.mark.parametrize("body", [{"media_region": "mars-1"}, {"media_region": "us-east-1", "extra": 1}, [1]])
def test_start_rejects_bad_body(api, users, appointment, body):
    response = start(api, appointment, users["doctor"], body)
    assert response.status_code == 400
    assert error_code(response) == "ValidationError"


def test_start_again_reuses_the_meeting_and_reinvites(api, stack, users, appointment):
    first = json.loads(start(api, appointment, users["doctor"]).body)
    second_response = start(api, appointment, users["doctor"])
    assert second_response.status_code == 201
    second = json.loads(second_response.body)
    assert second["meeting"]["MeetingId"] == first["meeting"]["MeetingId"]
    assert second["attendee"] == first["attendee"]
    assert read_item(stack, appointment.appointment_id)["meeting_generation"] == 1
    statuses = [e["status"] for e in meeting_events(stack, appointment, users["doctor"])]
    assert statuses == ["invited", "invited"]


def test_stale_meeting_is_replaced_not_returned(api, stack, users, appointment):
    old = json.loads(start(api, appointment, users["doctor"]).body)["meeting"]["MeetingId"]
    stack.client("chime-sdk-meetings").delete_meeting(MeetingId=old)  # e.g. Chime ended it on its own
    response = start(api, appointment, users["doctor"])
    assert response.status_code == 201
    new = json.loads(response.body)["meeting"]["MeetingId"]
    assert new != old and meeting_exists(stack, new)
    item = read_item(stack, appointment.appointment_id)
    assert item["meeting_id"] == new and item["meeting_generation"] == 2
    assert json.loads(response.body)["meeting"]["ExternalMeetingId"].endswith(".2")


def test_patient_joins_idempotently_and_accepts(api, stack, users, appointment):
    doctor, patient = users["doctor"], users["patient"]
    started = json.loads(start(api, appointment, doctor).body)
    first = join(api, appointment, patient)
    assert first.status_code == 200, first.body
    body = json.loads(first.body)
    assert body["meeting"]["MeetingId"] == started["meeting"]["MeetingId"]
    assert body["attendee"]["ExternalUserId"] == patient.user_id
    again = json.loads(join(api, appointment, patient).body)
    assert again["attendee"]["AttendeeId"] == body["attendee"]["AttendeeId"]
    assert again["attendee"]["JoinToken"] == body["attendee"]["JoinToken"]
    assert len(attendees(stack, started["meeting"]["MeetingId"])) == 2  # no pile-up
    events = meeting_events(stack, appointment, doctor)
    assert [(e["status"], e["via"]) for e in events] == [("invited", "web"), ("accepted", "web"), ("accepted", "web")]
    assert events[1]["sender"] == patient.app_instance_user_arn


def test_doctor_join_returns_own_attendee_without_event(api, stack, users, appointment):
    started = json.loads(start(api, appointment, users["doctor"]).body)
    response = join(api, appointment, users["doctor"])
    assert response.status_code == 200
    assert json.loads(response.body)["attendee"] == started["attendee"]
    assert [e["status"] for e in meeting_events(stack, appointment, users["doctor"])] == ["invited"]


def test_join_adds_attendee_missing_from_the_record(api, stack, users, appointment):
    started = json.loads(start(api, appointment, users["doctor"]).body)
    meeting_id = started["meeting"]["MeetingId"]
    # A meeting recorded without the patient's attendee (e.g. by an older version).
    stack.client("dynamodb").update_item(
        TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"],
        Key={"appointment_id": {"S": appointment.appointment_id}},
        UpdateExpression="REMOVE meeting_attendees.#p", ExpressionAttributeNames={"#p": users["patient"].user_id})
    joined = json.loads(join(api, appointment, users["patient"]).body)
    attendee_id = joined["attendee"]["AttendeeId"]
    assert read_item(stack, appointment.appointment_id)["meeting_attendees"][users["patient"].user_id]
    assert json.loads(join(api, appointment, users["patient"]).body)["attendee"]["AttendeeId"] == attendee_id
    assert len(attendees(stack, meeting_id)) == 2


def test_get_meeting_for_participants_only(api, stack, users, appointment):
    assert get(api, MEETING.format(appointment.appointment_id), users["patient"]).status_code == 404
    started = json.loads(start(api, appointment, users["doctor"]).body)
    for who in ("doctor", "patient"):
        response = get(api, MEETING.format(appointment.appointment_id), users[who])
        assert response.status_code == 200
        assert json.loads(response.body) == {"meeting": started["meeting"]}
    for who in ("other_doctor", "other_patient"):
        response = get(api, MEETING.format(appointment.appointment_id), users[who])
        assert response.status_code == 404 and error_code(response) == "NotFound"


def test_decline_by_patient_only(api, stack, users, appointment):
    path = MEETING.format(appointment.appointment_id) + "/decline"
    assert post(api, path, users["patient"]).status_code == 409  # nothing to decline yet
    meeting_id = json.loads(start(api, appointment, users["doctor"]).body)["meeting"]["MeetingId"]
    assert post(api, path, users["doctor"]).status_code == 403
    assert post(api, path, users["other_patient"]).status_code == 404
    response = post(api, path, users["patient"])
    assert response.status_code == 200 and json.loads(response.body) == {}
    events = meeting_events(stack, appointment, users["doctor"])
    assert (events[-1]["status"], events[-1]["via"], events[-1]["meeting_id"]) == ("declined", "web", meeting_id)
    assert events[-1]["sender"] == users["patient"].app_instance_user_arn
    assert meeting_exists(stack, meeting_id)  # declining does not end the doctor's meeting


def test_end_by_doctor_deletes_meeting(api, stack, users, appointment):
    meeting_id = json.loads(start(api, appointment, users["doctor"]).body)["meeting"]["MeetingId"]
    path = MEETING.format(appointment.appointment_id)
    assert delete(api, path, users["patient"]).status_code == 403
    assert delete(api, path, users["other_doctor"]).status_code == 404
    response = delete(api, path, users["doctor"])
    assert response.status_code == 200 and json.loads(response.body) == {}
    assert not meeting_exists(stack, meeting_id)
    item = read_item(stack, appointment.appointment_id)
    assert "meeting_id" not in item and "meeting" not in item and "meeting_attendees" not in item
    assert item["meeting_generation"] == 1
    assert meeting_events(stack, appointment, users["patient"])[-1]["status"] == "ended"
    # Nothing active any more.
    assert get(api, path, users["patient"]).status_code == 404
    assert join(api, appointment, users["patient"]).status_code == 409
    assert post(api, path + "/decline", users["patient"]).status_code == 409
    assert delete(api, path, users["doctor"]).status_code == 409
    # The next start is a new meeting, generation 2.
    restarted = json.loads(start(api, appointment, users["doctor"]).body)["meeting"]
    assert restarted["MeetingId"] != meeting_id and restarted["ExternalMeetingId"].endswith(".2")


def test_end_meeting_already_gone_on_chime(api, stack, users, appointment):
    meeting_id = json.loads(start(api, appointment, users["doctor"]).body)["meeting"]["MeetingId"]
    stack.client("chime-sdk-meetings").delete_meeting(MeetingId=meeting_id)
    assert delete(api, MEETING.format(appointment.appointment_id), users["doctor"]).status_code == 200
    assert "meeting_id" not in read_item(stack, appointment.appointment_id)


def test_join_without_active_meeting_is_conflict(api, users, appointment):
    response = join(api, appointment, users["patient"])
    assert response.status_code == 409 and error_code(response) == "Conflict"


def test_patient_cannot_start_and_non_participants_are_not_found(api, stack, users, appointment):
    response = start(api, appointment, users["patient"])
    assert response.status_code == 403 and error_code(response) == "Forbidden"
    response = start(api, appointment, users["other_doctor"])
    assert response.status_code == 404 and error_code(response) == "NotFound"
    assert "meeting_id" not in read_item(stack, appointment.appointment_id)
    start(api, appointment, users["doctor"])
    assert join(api, appointment, users["other_patient"]).status_code == 404
    assert join(api, appointment, users["other_doctor"]).status_code == 404
    response = start(api, type(appointment)(**{**appointment.__dict__, "appointment_id": "no-such-appointment"}),
                     users["doctor"])
    assert response.status_code == 404


def test_unauthenticated_is_401(api, appointment):
    response = api.http.post(MEETING.format(appointment.appointment_id), body=b"")
    assert response.status_code == 401


def test_cancelled_appointment_is_conflict(api, stack, users):
    record = make_appointment(stack, users["doctor"], users["patient"], status="cancelled")
    response = start(api, record, users["doctor"])
    assert response.status_code == 409 and error_code(response) == "Conflict"
    assert join(api, record, users["patient"]).status_code == 409
    assert post(api, MEETING.format(record.appointment_id) + "/decline", users["patient"]).status_code == 409
    assert post(api, f"/appointments/{record.appointment_id}/phone-call", users["doctor"]).status_code == 409
    assert "meeting_id" not in read_item(stack, record.appointment_id)
    assert meeting_events(stack, record, users["doctor"]) == []


def test_cancelled_while_starting_leaves_no_meeting(api, stack, users):
    """The store is conditional on the appointment still being scheduled."""
    record = make_appointment(stack, users["doctor"], users["patient"])
    meeting_id = json.loads(start(api, record, users["doctor"]).body)["meeting"]["MeetingId"]
    stack.client("dynamodb").update_item(
        TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": record.appointment_id}},
        UpdateExpression="SET #s = :c", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": {"S": "cancelled"}})
    # The doctor can still end the leftover meeting of a cancelled appointment.
    assert delete(api, MEETING.format(record.appointment_id), users["doctor"]).status_code == 200
    assert not meeting_exists(stack, meeting_id)


def _write_meeting_attributes(stack, record, meeting, attendee_map, started_at, generation=1):
    stack.client("dynamodb").update_item(
        TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": record.appointment_id}},
        UpdateExpression="SET meeting_id = :i, meeting = :m, meeting_attendees = :a, meeting_started_at = :s, "
                         "meeting_generation = :g",
        ExpressionAttributeValues={
            ":i": {"S": meeting["MeetingId"]}, ":m": {"S": json.dumps(meeting)},
            ":a": {"M": {k: {"S": json.dumps(v)} for k, v in attendee_map.items()}},
            ":s": {"S": started_at.strftime("%Y-%m-%dT%H:%M:%SZ")}, ":g": {"N": str(generation)}})


def _chime_meeting(stack, users):
    created = stack.client("chime-sdk-meetings").create_meeting_with_attendees(
        ExternalMeetingId="test-meeting", MediaRegion="us-east-1",
        Attendees=[{"ExternalUserId": users["doctor"].user_id}, {"ExternalUserId": users["patient"].user_id}])
    return created["Meeting"], {a["ExternalUserId"]: a for a in created["Attendees"]}


def test_join_checks_an_older_meeting_with_chime(api, stack, users):
    """Beyond the freshness window join asks Chime, and a meeting that ended is not handed out."""
    record = make_appointment(stack, users["doctor"], users["patient"])
    meeting, attendee_map = _chime_meeting(stack, users)
    _write_meeting_attributes(stack, record, meeting, attendee_map, datetime.now(timezone.utc) - timedelta(minutes=30))
    # Still live: joined after a GetMeeting.
    assert json.loads(join(api, record, users["patient"]).body)["meeting"]["MeetingId"] == meeting["MeetingId"]
    stack.client("chime-sdk-meetings").delete_meeting(MeetingId=meeting["MeetingId"])
    assert join(api, record, users["patient"]).status_code == 409
    assert "meeting_id" not in read_item(stack, record.appointment_id)  # the stale record is forgotten
    assert get(api, MEETING.format(record.appointment_id), users["doctor"]).status_code == 404


def test_join_trusts_a_fresh_meeting_without_asking_chime(api, stack, users):
    """The documented trade-off: within FRESH_FOR a meeting can only have ended through an
    outside DeleteMeeting, so join skips GetMeeting (two AWS calls) and the client would see
    MeetingEnded; start always checks, so the doctor's next start replaces it."""
    record = make_appointment(stack, users["doctor"], users["patient"])
    meeting, attendee_map = _chime_meeting(stack, users)
    _write_meeting_attributes(stack, record, meeting, attendee_map, datetime.now(timezone.utc))
    stack.client("chime-sdk-meetings").delete_meeting(MeetingId=meeting["MeetingId"])
    assert json.loads(join(api, record, users["patient"]).body)["meeting"]["MeetingId"] == meeting["MeetingId"]
    replaced = json.loads(start(api, record, users["doctor"]).body)["meeting"]["MeetingId"]
    assert replaced != meeting["MeetingId"] and meeting_exists(stack, replaced)


def test_concurrent_starts_leave_one_meeting(stack_env, stack, users, caplog):
    from telehealth_shared.auth import default_verifier
    from telehealth_shared.aws import default_clients
    from telehealth_shared.config import get_settings
    from telehealth_shared.models.calling import StartMeetingRequest

    from chalicelib.start_meeting import start_meeting

    record = make_appointment(stack, users["doctor"], users["patient"])
    principal = default_verifier().verify(users["doctor"].id_token)
    clients, settings = default_clients(), get_settings()
    caplog.set_level(logging.INFO, logger="telehealth.calling")

    def one_start(_):
        return start_meeting(clients, settings, principal, record.appointment_id, StartMeetingRequest())

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one_start, range(8)))
    meeting_ids = {r.meeting["MeetingId"] for r in results}
    assert len(meeting_ids) == 1
    (winner,) = meeting_ids
    assert read_item(stack, record.appointment_id)["meeting_id"] == winner
    assert meeting_exists(stack, winner)
    assert {r.attendee["AttendeeId"] for r in results} == {results[0].attendee["AttendeeId"]}
    discarded = {r.fields["meeting_id"] for r in caplog.records
                 if getattr(r, "fields", None) and r.getMessage() == "meeting_discarded"
                 and r.fields.get("appointment_id") == record.appointment_id}
    created = {r.fields["meeting_id"] for r in caplog.records
               if getattr(r, "fields", None) and r.getMessage() == "meeting_created"
               and r.fields.get("appointment_id") == record.appointment_id}
    assert created == {winner}
    assert winner not in discarded
    assert all(not meeting_exists(stack, m) for m in discarded)
    # One invitation per request that did not lose a race (the winner's), none from losers.
    invites = [e for e in meeting_events(stack, record, users["doctor"]) if e["status"] == "invited"]
    assert len(invites) == 8 - len(discarded)


def _logged(caplog, event, appointment_id):
    return [r.fields for r in caplog.records if getattr(r, "fields", None) and r.getMessage() == event
            and r.fields.get("appointment_id") == appointment_id]


def test_failed_invitation_leaves_no_meeting_behind(api, stack, users, caplog):
    """The invitation cannot be written (the channel is gone): 503, and the meeting created
    for it is deleted again and forgotten, so a retry starts from a clean state."""
    record = make_appointment(stack, users["doctor"], users["patient"])
    stack.client("chime-sdk-messaging").delete_channel(
        ChannelArn=record.channel_arn, ChimeBearer=stack.settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"])
    caplog.set_level(logging.INFO, logger="telehealth.calling")
    response = start(api, record, users["doctor"])
    assert response.status_code == 503 and error_code(response) == "Unavailable"
    (rolled_back,) = _logged(caplog, "meeting_rolled_back", record.appointment_id)
    assert not meeting_exists(stack, rolled_back["meeting_id"])
    item = read_item(stack, record.appointment_id)
    assert "meeting_id" not in item and "meeting_attendees" not in item
