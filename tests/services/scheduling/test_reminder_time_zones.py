"""The whole reminder path on a local stack whose processes run in another time zone (TZ set in
their environment): booking a visit a few seconds ahead texts nobody at booking, and the texts
arrive at starts_at, never before, with no early wake-up refused along the way."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
import requests

from conftest import iso, make_user, seconds_ahead
from stack_fixture import start_stack, wait_for

pytestmark = pytest.mark.timeout(180)

TEXT = "Check in for your appointment with {}."


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles"])
def test_reminders_wait_for_the_utc_instant_whatever_the_time_zone(zone):
    with start_stack(services=["scheduling"], env={"TZ": zone}) as stack:
        settings = stack.settings
        doctor = make_user(settings, "doctor", "Dr Zone")
        patient = make_user(settings, "patient", "Pat Zone")
        starts = seconds_ahead(4)
        response = requests.post(stack.url("scheduling") + "/appointments", timeout=30,
                                 headers={**doctor.headers, "Content-Type": "application/json"},
                                 data=json.dumps({"patient_id": patient.user_id, "starts_at": iso(starts)}))
        assert response.status_code == 201, response.text
        appointment = response.json()
        mine = lambda: [m for m in stack.sms() if m["to"] in (doctor.phone_number, patient.phone_number)]  # noqa: E731
        # Nothing at booking (with moto's own Wait both texts went out at once here).
        assert mine() == []
        texts = wait_for(lambda: (found := mine()) and len(found) == 2 and found, timeout=60, interval=0.2,
                         message="both reminders")
        assert {(m["to"], m["body"]) for m in texts} == {(doctor.phone_number, TEXT.format(patient.name)),
                                                          (patient.phone_number, TEXT.format(doctor.name))}
        for message in texts:
            assert _utc(message["sent_at"]) >= starts, (message["sent_at"], iso(starts))
        # The Wait itself ended in time: the Lambda ran once, never refusing an early call.
        sfn = stack.client("stepfunctions")
        executions = [e for e in sfn.list_executions(stateMachineArn=settings["TELEHEALTH_STATE_MACHINE_ARN"])
                      ["executions"] if e["name"].startswith(appointment["appointment_id"])]
        assert len(executions) == 1
        history = sfn.get_execution_history(executionArn=executions[0]["executionArn"], maxResults=1000)["events"]
        scheduled = [e for e in history if e["type"] == "TaskScheduled"]
        assert len(scheduled) == 1 and scheduled[0]["timestamp"] >= starts
        assert not [e for e in history if e["type"] in ("TaskFailed", "LambdaFunctionFailed")]
        assert "ReminderTooEarly" not in json.dumps(history, default=str)
