"""The phone-call limit on the local stack: at most 3 calls per appointment in 10 minutes, the 4th
answered 429 with Retry-After (the seconds until the oldest call leaves the window), counted on
the appointment item (not in a process), and race-safe: 4 concurrent requests dial exactly 3."""
from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from calling_support import make_appointment, read_item

pytestmark = pytest.mark.timeout(120)


def _post(stack, record, user):
    return requests.post(f"{stack.url('calling')}/appointments/{record.appointment_id}/phone-call",
                         headers=user.headers, timeout=60)


def _dialled(stack, transaction_ids):
    return [c for c in stack.calls() if c["transaction_id"] in transaction_ids]


def _hang_up_all(stack, transaction_ids):
    for transaction_id in transaction_ids:
        stack.hangup(transaction_id)


def test_the_fourth_call_in_ten_minutes_is_429_with_retry_after(stack, users):
    doctor = users["doctor"]
    record = make_appointment(stack, doctor, users["patient"])
    placed = []
    for _ in range(3):
        response = _post(stack, record, doctor)
        assert response.status_code == 202, response.text
        placed.append(response.json()["transaction_id"])
    refused = _post(stack, record, doctor)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "TooManyRequests"
    # The oldest call was placed moments ago: it leaves the window in (just under) 10 minutes.
    assert 590 <= int(refused.headers["Retry-After"]) <= 600
    assert len(_dialled(stack, set(placed))) == 3
    item = read_item(stack, record.appointment_id)
    assert len(item["phone_calls_placed"]) == 3
    _hang_up_all(stack, placed)


def test_retry_after_counts_down_to_the_oldest_call_of_the_window(stack, users):
    doctor = users["doctor"]
    record = make_appointment(stack, doctor, users["patient"])
    now_ms = int(time.time() * 1000)
    dynamodb = stack.client("dynamodb")

    def window(*ages_seconds):
        dynamodb.update_item(
            TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"],
            Key={"appointment_id": {"S": record.appointment_id}},
            UpdateExpression="SET phone_calls_placed = :calls, phone_calls_version = :v",
            ExpressionAttributeValues={":calls": {"L": [{"N": str(now_ms - a * 1000)} for a in ages_seconds]},
                                       ":v": {"N": str(int(time.time()))}})

    window(590, 100, 50)
    refused = _post(stack, record, doctor)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    # Once the oldest has left the window, a call goes through (and takes its place).
    window(601, 100, 50)
    response = _post(stack, record, doctor)
    assert response.status_code == 202, response.text
    calls = read_item(stack, record.appointment_id)["phone_calls_placed"]
    assert len(calls) == 3 and min(int(c) for c in calls) == now_ms - 100 * 1000
    _hang_up_all(stack, [response.json()["transaction_id"]])


def test_four_concurrent_calls_dial_exactly_three(stack, users):
    doctor = users["doctor"]
    for _ in range(3):
        record = make_appointment(stack, doctor, users["patient"])
        barrier = threading.Barrier(4)
        responses: list = [None] * 4

        def call(index):
            barrier.wait()
            responses[index] = _post(stack, record, doctor)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [202, 202, 202, 429], [(r.status_code, r.text) for r in responses]
        placed = {r.json()["transaction_id"] for r in responses if r.status_code == 202}
        assert len(_dialled(stack, placed)) == 3
        # One meeting for all three calls, and three calls on the item.
        assert len({r.json()["meeting_id"] for r in responses if r.status_code == 202}) == 1
        assert len(read_item(stack, record.appointment_id)["phone_calls_placed"]) == 3
        _hang_up_all(stack, placed)
