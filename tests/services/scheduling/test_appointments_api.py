"""Every API rule of the scheduling service on the local stack: roles, participants,
validation, reading, listing, moving and cancelling (creation's atomicity and idempotency,
and reminders, have their own modules)."""
import json
import uuid
from datetime import timedelta, timezone

import pytest

from conftest import in_days, iso, make_user


def _ids(response):
    return [a["appointment_id"] for a in response.body["appointments"]]


# -- create --------------------------------------------------------------------------
def test_doctor_creates_appointment_with_channel_execution_and_record(api, state, doctor, patient, settings):
    starts = in_days(3)
    response = api.create(doctor, patient, starts, duration_minutes=45, reason="Follow-up")
    assert response.status == 201, response
    body = response.body
    appointment_id = body["appointment_id"]
    assert body == {
        "appointment_id": appointment_id, "status": "scheduled", "starts_at": iso(starts), "duration_minutes": 45,
        "reason": "Follow-up", "doctor": {"user_id": doctor.user_id, "name": doctor.name},
        "patient": {"user_id": patient.user_id, "name": patient.name},
        "presence": {"doctor": "added", "patient": "added"},
        "channel_arn": state.channel_arn(appointment_id), "created_at": body["created_at"],
    }
    text = json.dumps(body)
    for secret in (doctor.email, patient.email, doctor.phone_number, patient.phone_number):
        assert secret not in text

    channel = state.channel(appointment_id)
    assert channel["Mode"] == "RESTRICTED" and channel["Privacy"] == "PRIVATE"
    metadata = json.loads(channel["Metadata"])
    assert metadata["starts_at"] == iso(starts) and metadata["status"] == "scheduled"
    assert metadata["patient"] == {"user_id": patient.user_id, "name": patient.name}
    for secret in (doctor.email, patient.email, doctor.phone_number, patient.phone_number, "Follow-up"):
        assert secret not in channel["Metadata"]
    both = {doctor.app_instance_user_arn, patient.app_instance_user_arn}
    assert both <= state.members(appointment_id)
    assert both <= state.moderators(appointment_id)

    item = state.item(appointment_id)
    assert item["doctor_id"] == doctor.user_id and item["patient_id"] == patient.user_id
    assert not any(v in json.dumps(item, default=str) for v in (patient.phone_number, patient.email))
    running = state.executions(appointment_id, "RUNNING")
    assert [e["executionArn"] for e in running] == [item["reminder_execution_arn"]]
    execution_input = json.loads(state.execution(item["reminder_execution_arn"])["input"])
    assert execution_input == {"appointment_id": appointment_id, "version": 1, "reminders": [
        {"appointment_id": appointment_id, "version": 1, "remind_at": iso(starts), "lead_minutes": 0}]}


def test_duration_defaults_to_30_and_reason_to_null(api, doctor, patient):
    response = api.create(doctor, patient)
    assert response.status == 201
    assert response.body["duration_minutes"] == 30 and response.body["reason"] is None


def test_any_utc_offset_is_accepted_and_answered_in_utc(api, doctor, patient):
    starts = in_days(4)
    offset = starts.astimezone(timezone(timedelta(hours=-5))).isoformat()
    response = api.create(doctor, patient, offset)
    assert response.status == 201 and response.body["starts_at"] == iso(starts)


def test_patient_cannot_create(api, patient, other_patient, state):
    before = len(state.channel_arns())
    response = api.create(patient, other_patient)
    assert response.status == 403 and response.body["error"]["code"] == "Forbidden"
    assert len(state.channel_arns()) == before


def test_unauthenticated_create_is_401(api, patient):
    response = api.call("POST", "/appointments", body={"patient_id": patient.user_id, "starts_at": iso(in_days(1))})
    assert response.status == 401


@pytest.mark.parametrize("changes, path", [
    ({"starts_at": "2020-01-01T10:00:00Z"}, "$.starts_at"),
    ({"starts_at": "next tuesday"}, "$.starts_at"),
    ({"starts_at": "2030-01-01T10:00:00"}, "$.starts_at"),
    ({"starts_at": "2099-01-01T10:00:00Z"}, "$.starts_at"),
    ({"starts_at": iso(in_days(365.01))}, "$.starts_at"),
    ({"duration_minutes": 4}, "$.duration_minutes"),
    ({"duration_minutes": 481}, "$.duration_minutes"),
    ({"duration_minutes": "30"}, "$.duration_minutes"),
    ({"reason": "x" * 501}, "$.reason"),
    ({"colour": "blue"}, "$.colour"),
    ({"patient_id": ""}, "$.patient_id"),
])
def test_invalid_bodies_are_400_with_the_field(api, doctor, patient, changes, path):
    body = {"patient_id": patient.user_id, "starts_at": iso(in_days(1))}
    body.update(changes)
    response = api.call("POST", "/appointments", doctor, body)
    assert response.status == 400, response
    assert response.body["error"]["code"] == "ValidationError"
    assert path in [d["path"] for d in response.body["error"]["details"]]


def test_boundary_durations_and_reason_are_accepted(api, doctor, patient):
    assert api.create(doctor, patient, duration_minutes=5).status == 201
    assert api.create(doctor, patient, duration_minutes=480, reason="x" * 500).status == 201


def test_malformed_json_is_400(api, doctor):
    response = api.call("POST", "/appointments", doctor, raw_body="{not json")
    assert response.status == 400 and response.body["error"]["code"] == "ValidationError"


@pytest.mark.parametrize("who", ["unknown", "doctor", "self", "unconfirmed"])
def test_patient_id_must_name_a_patient(api, state, settings, doctor, other_doctor, who):
    patient_id = {"unknown": str(uuid.uuid4()), "doctor": other_doctor.user_id, "self": doctor.user_id}.get(who)
    if who == "unconfirmed":
        patient_id = make_user(settings, "patient", "Not Confirmed", confirm=False).user_id
    before = len(state.channel_arns())
    response = api.create(doctor, patient_id)
    assert response.status == 400, response
    assert response.body["error"]["details"] == [{"path": "$.patient_id", "message": "unknown patient"}]
    assert len(state.channel_arns()) == before


# -- read ------------------------------------------------------------------------------
def test_participants_read_others_get_404(api, doctor, patient, other_doctor, other_patient):
    created = api.create(doctor, patient).body
    for user in (doctor, patient):
        response = api.call("GET", f"/appointments/{created['appointment_id']}", user)
        assert response.status == 200 and response.body == created
    for user in (other_doctor, other_patient):
        response = api.call("GET", f"/appointments/{created['appointment_id']}", user)
        assert response.status == 404 and response.body["error"]["code"] == "NotFound"


@pytest.mark.parametrize("appointment_id", [str(uuid.uuid4()), "not%20an%20id", "x" * 65])
def test_unknown_or_malformed_ids_are_404(api, doctor, appointment_id):
    assert api.call("GET", f"/appointments/{appointment_id}", doctor).status == 404


# -- list ------------------------------------------------------------------------------
def test_each_user_lists_only_their_own_by_start_time(api, fresh_pair, other_patient):
    doctor, patient = fresh_pair
    later = api.create(doctor, patient, in_days(9)).body
    earlier = api.create(doctor, patient, in_days(2)).body
    elsewhere = api.create(doctor, other_patient, in_days(5)).body
    assert _ids(api.call("GET", "/appointments", doctor)) == [earlier["appointment_id"], elsewhere["appointment_id"],
                                                              later["appointment_id"]]
    mine = api.call("GET", "/appointments", patient)
    assert mine.status == 200 and _ids(mine) == [earlier["appointment_id"], later["appointment_id"]]
    assert "next_token" not in mine.body
    assert mine.body["appointments"][0] == earlier


def test_list_filters_by_time_and_status(api, fresh_pair):
    doctor, patient = fresh_pair
    starts = [in_days(d) for d in (1, 2, 3, 4)]
    made = [api.create(doctor, patient, s).body["appointment_id"] for s in starts]
    assert api.call("DELETE", f"/appointments/{made[1]}", patient).status == 200
    window = api.call("GET", f"/appointments?from={iso(starts[1])}&to={iso(starts[2])}", doctor)
    assert _ids(window) == made[1:3]
    after = api.call("GET", f"/appointments?from={iso(starts[2] + timedelta(seconds=1))}", doctor)
    assert _ids(after) == made[3:]
    before = api.call("GET", f"/appointments?to={iso(starts[1] - timedelta(seconds=1))}", doctor)
    assert _ids(before) == made[:1]
    assert _ids(api.call("GET", "/appointments?status=cancelled", patient)) == [made[1]]
    assert _ids(api.call("GET", "/appointments?status=scheduled", patient)) == [made[0], made[2], made[3]]


def test_list_pages_through_everything_once(api, fresh_pair):
    doctor, patient = fresh_pair
    made = [api.create(doctor, patient, in_days(10 + d)).body["appointment_id"] for d in range(5)]
    seen, token, pages = [], None, 0
    while True:
        response = api.call("GET", "/appointments?limit=2" + (f"&next_token={token}" if token else ""), patient)
        assert response.status == 200 and len(response.body["appointments"]) <= 2
        seen += _ids(response)
        pages += 1
        token = response.body.get("next_token")
        if not token:
            break
    assert seen == made and pages == 3
    # With a status filter pages can be short, but following next_token still finds all.
    seen, token = [], None
    for _ in range(10):
        response = api.call("GET", "/appointments?limit=2&status=scheduled" + (f"&next_token={token}" if token else ""), doctor)
        seen += _ids(response)
        token = response.body.get("next_token")
        if not token:
            break
    assert seen == made


def test_page_tokens_are_bound_to_the_caller_and_validated(api, fresh_pair):
    doctor, patient = fresh_pair
    for days in (20, 21):
        api.create(doctor, patient, in_days(days))
    token = api.call("GET", "/appointments?limit=1", doctor).body["next_token"]
    for user, query in ((patient, f"limit=1&next_token={token}"), (doctor, "next_token=garbage"),
                        (doctor, f"next_token={token}&to={iso(in_days(1))}")):
        response = api.call("GET", f"/appointments?{query}", user)
        assert response.status == 400 and response.body["error"]["code"] == "ValidationError", (query, response)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "status=done", "from=yesterday",
                                   "from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "sort=desc"])
def test_invalid_list_queries_are_400(api, doctor, query):
    response = api.call("GET", f"/appointments?{query}", doctor)
    assert response.status == 400 and response.body["error"]["code"] == "ValidationError"


# -- move ------------------------------------------------------------------------------
def test_doctor_moves_appointment_reminders_and_summary_follow(api, state, doctor, patient):
    created = api.create(doctor, patient, in_days(5), reason="Check").body
    appointment_id = created["appointment_id"]
    old_execution = state.item(appointment_id)["reminder_execution_arn"]
    new_start = in_days(6)
    response = api.call("PATCH", f"/appointments/{appointment_id}", doctor,
                        {"starts_at": iso(new_start), "duration_minutes": 60})
    assert response.status == 200, response
    assert response.body == {**created, "starts_at": iso(new_start), "duration_minutes": 60}
    item = state.item(appointment_id)
    assert item["version"] == 2 and item["starts_at_key"].startswith(iso(new_start))
    assert item["reminder_execution_arn"] != old_execution
    state.wait_stopped(old_execution)
    running = state.executions(appointment_id, "RUNNING")
    assert [e["executionArn"] for e in running] == [item["reminder_execution_arn"]]
    assert json.loads(state.execution(item["reminder_execution_arn"])["input"])["reminders"][-1]["remind_at"] == iso(new_start)
    metadata = json.loads(state.channel(appointment_id)["Metadata"])
    assert metadata["starts_at"] == iso(new_start) and metadata["duration_minutes"] == 60
    assert api.call("GET", f"/appointments/{appointment_id}", patient).body["starts_at"] == iso(new_start)


def test_reason_can_be_changed_and_cleared_without_touching_reminders(api, state, doctor, patient):
    created = api.create(doctor, patient, reason="Old").body
    appointment_id = created["appointment_id"]
    execution = state.item(appointment_id)["reminder_execution_arn"]
    assert api.call("PATCH", f"/appointments/{appointment_id}", doctor, {"reason": "New"}).body["reason"] == "New"
    cleared = api.call("PATCH", f"/appointments/{appointment_id}", doctor, {"reason": None})
    assert cleared.status == 200 and cleared.body["reason"] is None
    item = state.item(appointment_id)
    assert "reason" not in item and item["reminder_execution_arn"] == execution
    assert state.execution(execution)["status"] == "RUNNING"


def test_only_the_appointments_doctor_may_move_it(api, doctor, patient, other_doctor, other_patient):
    appointment_id = api.create(doctor, patient).body["appointment_id"]
    body = {"duration_minutes": 20}
    assert api.call("PATCH", f"/appointments/{appointment_id}", patient, body).status == 403
    assert api.call("PATCH", f"/appointments/{appointment_id}", other_patient, body).status == 403
    assert api.call("PATCH", f"/appointments/{appointment_id}", other_doctor, body).status == 404
    assert api.call("GET", f"/appointments/{appointment_id}", doctor).body["duration_minutes"] == 30


def test_starts_at_may_be_up_to_365_days_ahead(api, state, doctor, patient):
    """A Step Functions execution lives at most a year, so the reminder must fit in one."""
    response = api.create(doctor, patient, in_days(364.9))
    assert response.status == 201, response
    appointment_id = response.body["appointment_id"]
    before = state.item(appointment_id)
    moved = api.call("PATCH", f"/appointments/{appointment_id}", doctor, {"starts_at": iso(in_days(366))})
    assert moved.status == 400 and moved.body["error"]["details"][0]["path"] == "$.starts_at"
    assert state.item(appointment_id) == before


@pytest.mark.parametrize("body", [{}, {"starts_at": "2020-01-01T00:00:00Z"}, {"duration_minutes": 500},
                                  {"reason": "x" * 501}, {"patient_id": "someone"}])
def test_invalid_moves_are_400(api, doctor, patient, body):
    appointment_id = api.create(doctor, patient).body["appointment_id"]
    response = api.call("PATCH", f"/appointments/{appointment_id}", doctor, body)
    assert response.status == 400 and response.body["error"]["code"] == "ValidationError"


# -- cancel ----------------------------------------------------------------------------
@pytest.mark.parametrize("canceller", ["doctor", "patient"])
def test_either_participant_cancels_channel_stays_reminders_stop(api, state, doctor, patient, canceller):
    created = api.create(doctor, patient).body
    appointment_id = created["appointment_id"]
    execution = state.item(appointment_id)["reminder_execution_arn"]
    response = api.call("DELETE", f"/appointments/{appointment_id}", doctor if canceller == "doctor" else patient)
    assert response.status == 200 and response.body == {**created, "status": "cancelled"}
    state.wait_stopped(execution)
    channel = state.channel(appointment_id)
    assert channel is not None and json.loads(channel["Metadata"])["status"] == "cancelled"
    item = state.item(appointment_id)
    assert item["status"] == "cancelled" and item["cancelled_by"] == canceller
    # Cancelling again answers the cancelled appointment; changing it is a conflict.
    again = api.call("DELETE", f"/appointments/{appointment_id}", patient)
    assert again.status == 200 and again.body["status"] == "cancelled"
    moved = api.call("PATCH", f"/appointments/{appointment_id}", doctor, {"starts_at": iso(in_days(8))})
    assert moved.status == 409 and moved.body["error"]["code"] == "Conflict"
    assert api.call("GET", f"/appointments/{appointment_id}", patient).body["status"] == "cancelled"


def test_non_participants_cannot_cancel(api, doctor, patient, other_doctor, other_patient):
    appointment_id = api.create(doctor, patient).body["appointment_id"]
    for user in (other_doctor, other_patient):
        assert api.call("DELETE", f"/appointments/{appointment_id}", user).status == 404
    assert api.call("GET", f"/appointments/{appointment_id}", doctor).body["status"] == "scheduled"


def test_health_and_openapi(api):
    assert api.call("GET", "/health").body == {"status": "ok", "service": "scheduling"}
    from openapi_spec_validator import validate

    document = api.call("GET", "/openapi.json").body
    validate(document)
    assert {"/appointments", "/appointments/{appointment_id}"} <= set(document["paths"])
    create = document["paths"]["/appointments"]["post"]
    assert "Idempotency-Key" in json.dumps(create["parameters"]) and "409" in create["responses"]
