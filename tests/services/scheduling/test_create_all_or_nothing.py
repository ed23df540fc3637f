"""Creating is all-or-nothing (a failure at any AWS step leaves no channel, running execution or
record, and answers 503) and idempotent (Idempotency-Key), on the local stack."""
import json
import secrets
from datetime import timedelta, timezone

import pytest

from chalicelib.idempotency import appointment_id_for
from conftest import failing, in_days, iso
from stack_fixture import wait_for

# UpdateItem is the Idempotency-Key's claim, taken before anything else.
STEPS = ["UpdateItem", "AdminGetUser", "CreateChannel", "StartExecution", "PutItem"]


def _nothing_left(state, appointment_id):
    assert state.item(appointment_id) is None
    assert state.channel(appointment_id) is None
    assert state.channel_arn(appointment_id) not in state.channel_arns()
    # StopExecution returns before moto's worker thread has ended the execution.
    wait_for(lambda: not state.executions(appointment_id, "RUNNING"), timeout=10,
             message="the stopped execution to end")


def _exactly_one(state, appointment_id):
    assert state.item(appointment_id) is not None
    assert state.channel_arns().count(state.channel_arn(appointment_id)) == 1
    running = state.executions(appointment_id, "RUNNING")
    assert [e["executionArn"] for e in running] == [state.item(appointment_id)["reminder_execution_arn"]]


@pytest.mark.parametrize("step", STEPS)
def test_failure_at_each_step_leaves_nothing_and_a_retry_succeeds(api, state, doctor, patient, step):
    key = secrets.token_hex(8)
    appointment_id = appointment_id_for(doctor.user_id, key)
    starts = in_days(2)
    with failing(step) as failed:
        response = api.create(doctor, patient, starts, key=key)
    assert failed == [step]
    assert response.status == 503 and response.body["error"]["code"] == "Unavailable"
    assert "arn:" not in json.dumps(response.body)
    _nothing_left(state, appointment_id)
    retried = api.create(doctor, patient, starts, key=key)
    assert retried.status == 201 and retried.body["appointment_id"] == appointment_id
    _exactly_one(state, appointment_id)


def test_throttling_is_429_and_leaves_nothing(api, state, doctor, patient):
    key = secrets.token_hex(8)
    with failing("PutItem", code="ProvisionedThroughputExceededException", status=400):
        response = api.create(doctor, patient, key=key)
    assert response.status == 429 and response.body["error"]["code"] == "TooManyRequests"
    _nothing_left(state, appointment_id_for(doctor.user_id, key))


def test_crash_after_everything_but_the_record_is_repaired_by_a_retry(api, state, doctor, patient):
    """An attempt that dies before writing its record (here: the write and both undo steps
    fail) leaves a channel and an execution; the retry adopts the channel, and the stray
    execution can never send (the reminder Lambda only acts for the one the record names)."""
    key = secrets.token_hex(8)
    appointment_id = appointment_id_for(doctor.user_id, key)
    starts = in_days(2)
    with failing("PutItem", "DeleteChannel", "StopExecution") as failed:
        assert api.create(doctor, patient, starts, key=key).status == 503
    assert failed == ["PutItem", "StopExecution", "DeleteChannel"]
    assert state.channel(appointment_id) is not None and state.item(appointment_id) is None
    orphans = [e["executionArn"] for e in state.executions(appointment_id, "RUNNING")]
    assert len(orphans) == 1

    retried = api.create(doctor, patient, starts, key=key)
    assert retried.status == 201 and retried.body["appointment_id"] == appointment_id
    item = state.item(appointment_id)
    assert item["reminder_execution_arn"] not in orphans
    assert state.channel_arns().count(state.channel_arn(appointment_id)) == 1
    assert {doctor.app_instance_user_arn, patient.app_instance_user_arn} <= state.members(appointment_id)


def test_retry_with_another_body_after_a_crash_replaces_the_left_over_channel(api, state, doctor, patient,
                                                                              other_patient):
    key = secrets.token_hex(8)
    appointment_id = appointment_id_for(doctor.user_id, key)
    with failing("PutItem", "DeleteChannel", "StopExecution"):
        assert api.create(doctor, patient, key=key).status == 503
    starts = in_days(6)
    retried = api.create(doctor, other_patient, starts, key=key)
    assert retried.status == 201 and retried.body["patient"]["user_id"] == other_patient.user_id
    metadata = json.loads(state.channel(appointment_id)["Metadata"])
    assert metadata["patient"]["user_id"] == other_patient.user_id and metadata["starts_at"] == iso(starts)
    members = state.members(appointment_id)
    assert other_patient.app_instance_user_arn in members and patient.app_instance_user_arn not in members


def test_same_key_and_body_returns_the_same_appointment_once(api, state, doctor, patient):
    key = secrets.token_hex(8)
    starts = in_days(3)
    first = api.create(doctor, patient, starts, key=key, reason="Same")
    assert first.status == 201 and "idempotent-replayed" not in first.headers
    # The same meaning in another form (offset, explicit default) is the same request.
    offset = starts.astimezone(timezone(timedelta(hours=2))).isoformat()
    again = api.create(doctor, patient, offset, key=key, reason="Same", duration_minutes=30)
    assert again.status == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.body == first.body
    _exactly_one(state, first.body["appointment_id"])
    listed = api.call("GET", f"/appointments?from={iso(starts)}&to={iso(starts)}", doctor).body["appointments"]
    assert [a["appointment_id"] for a in listed].count(first.body["appointment_id"]) == 1


def test_same_key_with_another_body_is_409_and_changes_nothing(api, state, doctor, patient):
    key = secrets.token_hex(8)
    starts = in_days(2)
    first = api.create(doctor, patient, starts, key=key)
    appointment_id = first.body["appointment_id"]
    item_before = state.item(appointment_id)
    response = api.create(doctor, patient, starts, key=key, duration_minutes=60)
    assert response.status == 409 and response.body["error"]["code"] == "Conflict"
    assert state.item(appointment_id) == item_before
    _exactly_one(state, appointment_id)


def test_replay_answers_the_appointment_as_it_is_now(api, doctor, patient):
    key = secrets.token_hex(8)
    starts = in_days(2)
    first = api.create(doctor, patient, starts, key=key).body
    api.call("DELETE", f"/appointments/{first['appointment_id']}", patient)
    again = api.create(doctor, patient, starts, key=key)
    assert again.status == 201 and again.body["status"] == "cancelled"


def test_keys_are_per_doctor(api, doctor, other_doctor, patient):
    key = secrets.token_hex(8)
    mine = api.create(doctor, patient, key=key).body
    theirs = api.create(other_doctor, patient, key=key).body
    assert mine["appointment_id"] != theirs["appointment_id"]
    assert theirs["doctor"]["user_id"] == other_doctor.user_id


def test_without_a_key_two_creates_are_two_appointments(api, doctor, patient):
    starts = in_days(8)
    first = api.create(doctor, patient, starts).body
    second = api.create(doctor, patient, starts).body
    assert first["appointment_id"] != second["appointment_id"]


@pytest.mark.parametrize("key", ["has space", "x" * 256])
def test_invalid_keys_are_400(api, state, doctor, patient, key):
    before = len(state.channel_arns())
    response = api.create(doctor, patient, key=key)
    assert response.status == 400
    assert response.body["error"]["details"][0]["path"] == "header.Idempotency-Key"
    assert len(state.channel_arns()) == before


def _plant_claim(state, appointment_id, request_fingerprint, age_seconds, claim_state="pending"):
    """A claim as an earlier attempt left it (e.g. one that died before releasing it)."""
    import time

    state.dynamodb.put_item(TableName=state.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Item={
        "appointment_id": {"S": "idempotency#" + appointment_id}, "claim_state": {"S": claim_state},
        "claim_token": {"S": secrets.token_hex(8)}, "request_fingerprint": {"S": request_fingerprint},
        "claimed_at": {"N": repr(time.time() - age_seconds)}})


def test_a_claim_held_by_a_live_attempt_makes_a_same_body_retry_wait_then_409(api, state, doctor, patient,
                                                                             monkeypatch):
    from chalicelib import create_appointment as module
    from chalicelib.idempotency import fingerprint
    from telehealth_shared.models.appointments import CreateAppointmentRequest

    monkeypatch.setattr(module, "SAME_BODY_WAIT_SECONDS", 0.5)
    key = secrets.token_hex(8)
    appointment_id = appointment_id_for(doctor.user_id, key)
    starts = in_days(2)
    body = CreateAppointmentRequest.model_validate({"patient_id": patient.user_id, "starts_at": iso(starts)})
    _plant_claim(state, appointment_id, fingerprint(body), age_seconds=1)
    response = api.create(doctor, patient, starts, key=key)
    assert response.status == 409 and "in progress" in response.body["error"]["message"]
    other = api.create(doctor, patient, in_days(3), key=key)
    assert other.status == 409 and "different request" in other.body["error"]["message"]
    _nothing_left(state, appointment_id)


def test_a_lapsed_claim_is_taken_over(api, state, doctor, patient):
    """An attempt that died holding the claim blocks its key only for the lease (90 s)."""
    key = secrets.token_hex(8)
    appointment_id = appointment_id_for(doctor.user_id, key)
    _plant_claim(state, appointment_id, "fingerprint-of-another-body", age_seconds=91)
    response = api.create(doctor, patient, key=key)
    assert response.status == 201 and response.body["appointment_id"] == appointment_id
    _exactly_one(state, appointment_id)


def test_a_released_claim_is_taken_at_once(api, state, doctor, patient):
    key = secrets.token_hex(8)
    appointment_id = appointment_id_for(doctor.user_id, key)
    _plant_claim(state, appointment_id, "fingerprint-of-another-body", age_seconds=1, claim_state="released")
    assert api.create(doctor, patient, key=key).status == 201
    _exactly_one(state, appointment_id)


def test_claims_never_appear_in_lists(api, doctor, patient):
    key = secrets.token_hex(8)
    starts = in_days(40)
    created = api.create(doctor, patient, starts, key=key).body
    listed = api.call("GET", f"/appointments?from={iso(starts)}&to={iso(starts)}", doctor).body["appointments"]
    assert [a["appointment_id"] for a in listed] == [created["appointment_id"]]


def test_a_claim_written_by_an_attempt_whose_answer_was_lost_is_still_ours(api, state, doctor, patient):
    """The claim's UpdateItem is written but its answer lost (a 5xx or timeout after the write),
    so botocore sends the same request again: it meets its own token and carries on. Here the
    first copy is delivered by hand just before botocore sends the identical request."""
    import requests as plain

    from telehealth_shared import aws

    key = secrets.token_hex(8)
    appointment_id = appointment_id_for(doctor.user_id, key)
    client = aws.default_clients().dynamodb
    delivered = []

    def deliver_a_first_copy(request=None, **_):
        body = (request.body or b"") if request is not None else b""
        if isinstance(body, str):
            body = body.encode()
        if b"idempotency#" in body and b"\"pending\"" in body and not delivered:
            first = plain.post(request.url, data=body, headers=dict(request.headers), timeout=10)
            delivered.append(first.status_code)

    client.meta.events.register_first("before-send.dynamodb.UpdateItem", deliver_a_first_copy)
    try:
        response = api.create(doctor, patient, key=key)
    finally:
        client.meta.events.unregister("before-send.dynamodb.UpdateItem", deliver_a_first_copy)
    assert delivered == [200]
    assert response.status == 201 and response.body["appointment_id"] == appointment_id
    _exactly_one(state, appointment_id)
