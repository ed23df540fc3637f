"""The audit trail of the messaging service on the local stack: check-in, check-out, presence,
sending and listing messages and opening a session each leave one event (who, what, outcome),
and no event holds a name, number, e-mail or message text."""
from __future__ import annotations

import secrets

from audit_trail import assert_no_personal_data, events_for, summary
from messaging_fixtures import call, cancel, create_appointment
from users import make_user


def test_each_request_records_one_event_without_personal_data(api, stack, settings):
    doctor = make_user(settings, "doctor", "Dr Audit Messaging")
    patient = make_user(settings, "patient", "Pat Audit Messaging")
    stranger = make_user(settings, "patient", "Sam Audit Stranger")
    record = create_appointment(stack, doctor, patient)
    base = f"/appointments/{record.appointment_id}"
    text = f"My symptoms are private {secrets.token_hex(4)}"
    assert call(api, "POST", f"{base}/check-in", patient)[0] == 200
    assert call(api, "GET", f"{base}/presence", doctor)[0] == 200
    assert call(api, "POST", f"{base}/messages", patient, {"content": text})[0] == 201
    assert call(api, "GET", f"{base}/messages", doctor)[0] == 200
    assert call(api, "GET", f"{base}/messages", stranger)[0] == 404
    assert call(api, "POST", f"{base}/check-out", patient)[0] == 200
    cancel(stack, record)
    assert call(api, "POST", f"{base}/messages", doctor, {"content": "after the end"})[0] == 409

    assert summary(events_for(stack, record.appointment_id)) == [
        (patient.user_id, "patient", "presence.check_in", "allowed"),
        (doctor.user_id, "doctor", "presence.read", "allowed"),
        (patient.user_id, "patient", "message.send", "allowed"),
        (doctor.user_id, "doctor", "message.list", "allowed"),
        (stranger.user_id, "patient", "message.list", "denied"),
        (patient.user_id, "patient", "presence.check_out", "allowed"),
        (doctor.user_id, "doctor", "message.send", "failed"),
    ]
    assert call(api, "GET", "/session", patient)[0] == 200
    sessions = events_for(stack, patient.user_id)
    assert summary(sessions) == [(patient.user_id, "patient", "session.create", "allowed")]
    assert sessions[0]["resource_type"] == "user"

    assert_no_personal_data(stack, (doctor.name, patient.name, stranger.name, doctor.phone_number,
                                    patient.phone_number, doctor.email, patient.email, text, "after the end"))
