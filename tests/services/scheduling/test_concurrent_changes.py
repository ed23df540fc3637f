"""A move and a cancel that race: the conditional write decides, the loser undoes its side
effects and the channel summary ends up describing the item as it really is."""
import contextlib
import json

from telehealth_shared import aws

from conftest import in_days, iso


@contextlib.contextmanager
def concurrent_write(state, appointment_id, **attributes):
    """Just before the service's next UpdateItem is sent, another writer changes the item
    (as a second request of the service would), bumping its version."""
    done = []

    def hook(model=None, **_):
        if model is not None and model.name == "UpdateItem" and not done:
            done.append(True)
            names = {f"#a{i}": k for i, k in enumerate(attributes)}
            values = {f":v{i}": {"S": v} for i, v in enumerate(attributes.values())}
            sets = ", ".join(f"#a{i} = :v{i}" for i in range(len(attributes)))
            state.dynamodb.update_item(
                TableName=state.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": appointment_id}},
                UpdateExpression=f"SET {sets}, #version = #version + :one",
                ExpressionAttributeNames={**names, "#version": "version"},
                ExpressionAttributeValues={**values, ":one": {"N": "1"}})

    client = aws.default_clients().dynamodb
    client.meta.events.register_first("before-call.*.UpdateItem", hook)
    try:
        yield done
    finally:
        client.meta.events.unregister("before-call.*.UpdateItem", hook)


def test_move_losing_to_a_cancel_is_409_and_undoes_itself(api, state, doctor, patient):
    created = api.create(doctor, patient).body
    appointment_id = created["appointment_id"]
    execution = state.item(appointment_id)["reminder_execution_arn"]
    with concurrent_write(state, appointment_id, status="cancelled") as raced:
        response = api.call("PATCH", f"/appointments/{appointment_id}", doctor, {"starts_at": iso(in_days(9))})
    assert raced and response.status == 409 and "cancelled" in response.body["error"]["message"]
    item = state.item(appointment_id)
    assert item["status"] == "cancelled" and item["starts_at"] == created["starts_at"]
    assert item["reminder_execution_arn"] == execution
    # The move's own execution was stopped; the first one (the racing cancel was a bare
    # write that stopped nothing) still runs and will find the appointment cancelled.
    started_by_move = [e["executionArn"] for e in state.executions(appointment_id) if e["executionArn"] != execution]
    assert len(started_by_move) == 1
    state.wait_stopped(started_by_move[0])
    assert [e["executionArn"] for e in state.executions(appointment_id, "RUNNING")] == [execution]
    metadata = json.loads(state.channel(appointment_id)["Metadata"])
    assert metadata["status"] == "cancelled" and metadata["starts_at"] == created["starts_at"]


def test_move_losing_to_another_edit_is_409(api, state, doctor, patient):
    appointment_id = api.create(doctor, patient).body["appointment_id"]
    with concurrent_write(state, appointment_id, reason="Edited elsewhere"):
        response = api.call("PATCH", f"/appointments/{appointment_id}", doctor, {"duration_minutes": 50})
    assert response.status == 409
    item = state.item(appointment_id)
    assert item["duration_minutes"] == 30 and item["reason"] == "Edited elsewhere"
    assert json.loads(state.channel(appointment_id)["Metadata"])["duration_minutes"] == 30


def test_cancel_racing_a_move_starts_again_and_wins(api, state, doctor, patient):
    created = api.create(doctor, patient).body
    appointment_id = created["appointment_id"]
    moved_to = iso(in_days(12))
    with concurrent_write(state, appointment_id, starts_at=moved_to) as raced:
        response = api.call("DELETE", f"/appointments/{appointment_id}", patient)
    assert raced and response.status == 200
    assert response.body["status"] == "cancelled" and response.body["starts_at"] == moved_to
    metadata = json.loads(state.channel(appointment_id)["Metadata"])
    assert metadata["status"] == "cancelled" and metadata["starts_at"] == moved_to


def test_cancel_racing_another_cancel_answers_cancelled(api, state, doctor, patient):
    appointment_id = api.create(doctor, patient).body["appointment_id"]
    with concurrent_write(state, appointment_id, status="cancelled"):
        response = api.call("DELETE", f"/appointments/{appointment_id}", doctor)
    assert response.status == 200 and response.body["status"] == "cancelled"
    assert json.loads(state.channel(appointment_id)["Metadata"])["status"] == "cancelled"
