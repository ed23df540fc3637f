"""Concurrent creates with one Idempotency-Key over real HTTP against the stack's scheduling
service: another body loses with 409 and never touches the winner's channel, members or
reminders; the same body yields one appointment, one channel and one execution."""
from __future__ import annotations

import json
import secrets
import threading
from typing import Any

import pytest
import requests

from chalicelib.idempotency import appointment_id_for
from conftest import in_days, iso, make_user

pytestmark = pytest.mark.timeout(300)

ROUNDS = 15


def _together(calls: list[Any]) -> list[requests.Response]:
    """Run the calls on their own threads, released at the same moment by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # reported by the assertion below, with the round's context
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(r, requests.Response) for r in results), results
    return results


def _post(stack: Any, doctor: Any, key: str, body: dict[str, Any]):
    url = stack.url("scheduling") + "/appointments"
    headers = {**doctor.headers, "Content-Type": "application/json", "Idempotency-Key": key}
    return lambda: requests.post(url, data=json.dumps(body), headers=headers, timeout=60)


def _all_executions(state: Any, appointment_id: str) -> list[dict[str, Any]]:
    return state.executions(appointment_id)


@pytest.fixture(scope="module")
def people(settings):
    return (make_user(settings, "doctor", "Dr Race"), make_user(settings, "patient", "Pat One"),
            make_user(settings, "patient", "Pat Two"))


def test_same_key_other_body_at_the_same_moment_one_wins_the_other_touches_nothing(stack, state, people):
    doctor, first, second = people
    for round_number in range(ROUNDS):
        key = secrets.token_hex(8)
        appointment_id = appointment_id_for(doctor.user_id, key)
        starts = iso(in_days(3 + round_number))
        bodies = [{"patient_id": p.user_id, "starts_at": starts} for p in (first, second)]
        responses = _together([_post(stack, doctor, key, body) for body in bodies])
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409], (round_number, [(r.status_code, r.text) for r in responses])
        winner = next(r for r in responses if r.status_code == 201).json()
        loser = next(r for r in responses if r.status_code == 409).json()
        assert loser["error"]["code"] == "Conflict"
        assert winner["appointment_id"] == appointment_id
        patient = first if winner["patient"]["user_id"] == first.user_id else second
        other = second if patient is first else first
        # The winner's channel holds exactly its doctor and patient, and says so.
        expected = {doctor.app_instance_user_arn, patient.app_instance_user_arn}
        assert state.members(appointment_id) == expected, round_number
        # (The service's AppInstanceAdmin, which creates the channel, moderates it too.)
        admin = state.settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"]
        assert state.moderators(appointment_id) - {admin} == expected, round_number
        metadata = json.loads(state.channel(appointment_id)["Metadata"])
        assert metadata["patient"]["user_id"] == patient.user_id != other.user_id
        # The record is the winner's, and its one reminder execution is the only one ever started.
        item = state.item(appointment_id)
        assert item["patient_id"] == patient.user_id and item["status"] == "scheduled"
        executions = _all_executions(state, appointment_id)
        assert [e["executionArn"] for e in executions] == [item["reminder_execution_arn"]], round_number
        assert executions[0]["status"] == "RUNNING"


def test_same_key_same_body_at_the_same_moment_is_one_appointment(stack, state, people):
    doctor, patient, _ = people
    for round_number in range(5):
        key = secrets.token_hex(8)
        appointment_id = appointment_id_for(doctor.user_id, key)
        body = {"patient_id": patient.user_id, "starts_at": iso(in_days(30 + round_number)), "reason": "Same"}
        responses = _together([_post(stack, doctor, key, body) for _ in range(3)])
        assert [r.status_code for r in responses] == [201, 201, 201], [r.text for r in responses]
        bodies = [r.json() for r in responses]
        assert all(b == bodies[0] for b in bodies) and bodies[0]["appointment_id"] == appointment_id
        assert sorted(r.headers.get("Idempotent-Replayed", "") for r in responses) == ["", "true", "true"]
        assert state.channel_arns().count(state.channel_arn(appointment_id)) == 1
        assert state.members(appointment_id) == {doctor.app_instance_user_arn, patient.app_instance_user_arn}
        item = state.item(appointment_id)
        executions = _all_executions(state, appointment_id)
        assert [e["executionArn"] for e in executions] == [item["reminder_execution_arn"]], round_number
