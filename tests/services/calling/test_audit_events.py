"""The audit trail of the calling service on the local stack: meeting start, read, join, decline
and end, phone calls, and the patient's answer on the phone (join or decline, recorded by the
SIP media application handler) each leave one event, none holding a name or number."""
from __future__ import annotations

import json

import pytest

from audit_trail import assert_no_personal_data, events_for, summary
from calling_support import make_appointment, read_call_item
from stack_fixture import wait_for

pytestmark = pytest.mark.timeout(120)


def test_a_visits_calling_actions_are_recorded_once_each(api, stack, users):
    doctor, patient, stranger = users["doctor"], users["patient"], users["other_patient"]
    record = make_appointment(stack, doctor, patient)
    base = f"/appointments/{record.appointment_id}"

    def post(path, user):
        return api.http.post(base + path, headers=user.headers, body=b"")

    assert post("/meeting", doctor).status_code == 201
    assert api.http.get(base + "/meeting", headers=patient.headers).status_code == 200
    assert api.http.get(base + "/meeting", headers=stranger.headers).status_code == 404
    assert post("/meeting/join", patient).status_code == 200
    assert post("/meeting/decline", patient).status_code == 200

    # By phone: the first call is answered and joined, the second declined by hanging up.
    joined = json.loads(post("/phone-call", doctor).body)["transaction_id"]
    wait_for(lambda: next(c for c in stack.calls() if c["transaction_id"] == joined)["status"] == "ringing",
             timeout=10, message="the phone to ring")
    stack.answer(joined)
    stack.digits(joined, "1")
    declined = json.loads(post("/phone-call", doctor).body)["transaction_id"]
    wait_for(lambda: next(c for c in stack.calls() if c["transaction_id"] == declined)["status"] == "ringing",
             timeout=10, message="the phone to ring")
    stack.hangup(declined)
    wait_for(lambda: read_call_item(stack, declined)["status"] == "declined", timeout=10,
             message="the call to be declined")
    stack.hangup(joined)
    assert api.http.delete(base + "/meeting", headers=doctor.headers).status_code == 200

    events = events_for(stack, record.appointment_id)
    assert summary(events) == [
        (doctor.user_id, "doctor", "meeting.start", "allowed"),
        (patient.user_id, "patient", "meeting.read", "allowed"),
        (stranger.user_id, "patient", "meeting.read", "denied"),
        (patient.user_id, "patient", "meeting.join", "allowed"),
        (patient.user_id, "patient", "meeting.decline", "allowed"),
        (doctor.user_id, "doctor", "call.place", "allowed"),
        (patient.user_id, "patient", "meeting.join", "allowed"),      # pressed 1 on the phone
        (doctor.user_id, "doctor", "call.place", "allowed"),
        (patient.user_id, "patient", "meeting.decline", "allowed"),   # hung up without joining
        (doctor.user_id, "doctor", "meeting.end", "allowed"),
    ]
    assert all(e["resource_type"] == "appointment" for e in events)
    assert_no_personal_data(stack, (doctor.name, patient.name, doctor.phone_number, patient.phone_number,
                                    doctor.email, patient.email, stack.settings["TELEHEALTH_PHONE_NUMBER"]))
