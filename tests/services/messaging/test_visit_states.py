"""Visit statuses in messaging: closed visits refuse check-in and messages but stay readable,
in-progress ones work, the first check-in is recorded for the no-show timer, and the doctor's
waiting room lists the hour around now with presence and meeting state in one Query."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from messaging_fixtures import call, create_appointment, stored_item
from telehealth_shared.aws import add_call_listener, remove_call_listener
from telehealth_shared.models.common import format_utc
from users import make_user

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def doctor(settings):
    return make_user(settings, "doctor", "Dr Wait Room")


@pytest.fixture(scope="module")
def patient(settings):
    return make_user(settings, "patient", "Pat Waiting")


def _set(stack, appointment_id, **values):
    names = {f"#k{i}": k for i, k in enumerate(values)}
    stack.client("dynamodb").update_item(
        TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": appointment_id}},
        UpdateExpression="SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(values))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={f":v{i}": v for i, v in enumerate(values.values())})


@pytest.mark.parametrize("status", ["completed", "no_show", "cancelled"])
def test_closed_visits_refuse_check_in_and_messages_but_stay_readable(api, stack, doctor, patient, status):
    record = create_appointment(stack, doctor, patient, status=status)
    base = f"/appointments/{record.appointment_id}"
    status_code, body = call(api, "POST", f"{base}/check-in", patient)
    assert status_code == 409 and body["error"]["code"] == "Conflict"
    assert call(api, "POST", f"{base}/messages", doctor, {"content": "hello"})[0] == 409
    assert call(api, "GET", f"{base}/messages", patient)[0] == 200
    assert call(api, "GET", f"{base}/presence", patient)[0] == 200
    assert stored_item(stack, record.appointment_id)["presence_patient"] == "added"


def test_in_progress_visits_take_check_ins_and_remember_the_first(api, stack, doctor, patient):
    record = create_appointment(stack, doctor, patient, status="in_progress")
    base = f"/appointments/{record.appointment_id}"
    assert call(api, "POST", f"{base}/check-in", patient)[0] == 200
    first = stored_item(stack, record.appointment_id)["presence_patient_checked_in_at"]
    assert call(api, "POST", f"{base}/check-out", patient)[0] == 200
    assert call(api, "POST", f"{base}/check-in", patient)[0] == 200
    item = stored_item(stack, record.appointment_id)
    assert item["presence_patient_checked_in_at"] == first and item["presence_patient"] == "checked_in"
    assert call(api, "POST", f"{base}/messages", patient, {"content": "I am here"})[0] == 201


def test_waiting_room_lists_the_hour_around_now(api, stack, settings, patient):
    doctor = make_user(settings, "doctor", "Dr Dashboard")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    soon = create_appointment(stack, doctor, patient)
    waiting = create_appointment(stack, doctor, patient)
    admitted = create_appointment(stack, doctor, patient, status="in_progress")
    later = create_appointment(stack, doctor, patient)
    done = create_appointment(stack, doctor, patient, status="completed")
    for record, offset in ((soon, 30), (waiting, -10), (admitted, -40), (later, 90), (done, 0)):
        starts = now + timedelta(minutes=offset)
        _set(stack, record.appointment_id, starts_at={"S": format_utc(starts)},
             starts_at_key={"S": f"{format_utc(starts)}#{record.appointment_id}"})
    _set(stack, waiting.appointment_id, meeting_id={"S": "m-1"}, meeting_patient_joined_at={"S": format_utc(now)})
    _set(stack, admitted.appointment_id, meeting_id={"S": "m-2"}, meeting_admitted={"SS": [patient.user_id]},
         presence_patient={"S": "checked_in"})
    calls = []
    listener = lambda service, operation: calls.append((service, operation))  # noqa: E731
    add_call_listener(listener)
    try:
        status_code, body = call(api, "GET", "/waiting-room", doctor)
    finally:
        remove_call_listener(listener)
    assert status_code == 200
    assert [(e["appointment_id"], e["meeting_state"]) for e in body["appointments"]] == [
        (admitted.appointment_id, "admitted"), (waiting.appointment_id, "waiting"), (soon.appointment_id, "none")]
    assert body["appointments"][0]["presence"]["patient"] == "checked_in"
    assert body["appointments"][0]["patient"] == {"user_id": patient.user_id, "name": patient.name}
    assert [c for c in calls if c[0] == "dynamodb"] == [("dynamodb", "Query"), ("dynamodb", "PutItem")]
    assert call(api, "GET", "/waiting-room", patient)[0] == 403
