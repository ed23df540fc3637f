"""The audit trail of the scheduling service on the local stack: every read or change of an
appointment (and each reminder the system sends) leaves exactly one event naming who, what and
the outcome, and no event holds a name, number, e-mail or reason."""
from __future__ import annotations

import secrets

from telehealth_shared.appointment_records import parse_utc

from audit_trail import assert_no_personal_data, events_for, summary
from chalicelib.idempotency import appointment_id_for
from conftest import in_days, iso, make_user


def test_each_request_on_an_appointment_records_one_event(api, state, settings):
    from chalicelib.send_reminder import send_reminder
    from telehealth_shared.aws import default_clients
    from telehealth_shared.config import get_settings

    doctor = make_user(settings, "doctor", "Dr Audit Trail")
    patient = make_user(settings, "patient", "Pat Audited")
    stranger = make_user(settings, "patient", "Sam Stranger")
    reason = f"Private reason {secrets.token_hex(3)}"
    created = api.create(doctor, patient, in_days(3), key=secrets.token_hex(6), reason=reason)
    assert created.status == 201
    appointment_id = created.body["appointment_id"]
    assert api.call("GET", f"/appointments/{appointment_id}", patient).status == 200
    assert api.call("GET", f"/appointments/{appointment_id}", stranger).status == 404
    assert api.call("PATCH", f"/appointments/{appointment_id}", doctor, {"duration_minutes": 45}).status == 200
    item = state.item(appointment_id)
    event = {"appointment_id": appointment_id, "version": item["version"], "remind_at": item["starts_at"]
             if isinstance(item["starts_at"], str) else iso(item["starts_at"]), "lead_minutes": 0,
             "execution_arn": item["reminder_execution_arn"]}
    # The reminder Lambda as its execution invokes it at the time (the system reads the numbers).
    assert send_reminder(default_clients(), get_settings(), event,
                         now=parse_utc(event["remind_at"]))["sent"] == ["doctor", "patient"]
    assert api.call("DELETE", f"/appointments/{appointment_id}", patient).status == 200
    assert api.call("PATCH", f"/appointments/{appointment_id}", doctor, {"duration_minutes": 30}).status == 409

    events = events_for(state.stack, appointment_id)
    assert summary(events) == [
        (doctor.user_id, "doctor", "appointment.create", "allowed"),
        (patient.user_id, "patient", "appointment.read", "allowed"),
        (stranger.user_id, "patient", "appointment.read", "denied"),
        (doctor.user_id, "doctor", "appointment.update", "allowed"),
        ("system", "system", "reminder.send", "allowed"),
        (patient.user_id, "patient", "appointment.cancel", "allowed"),
        (doctor.user_id, "doctor", "appointment.update", "failed"),
    ]
    assert all(e["resource_type"] == "appointment" and e["request_id"] for e in events)
    # One event per request: the HTTP requests' ids are all different.
    assert len({e["request_id"] for e in events if e["actor_id"] != "system"}) == 6

    listed = api.call("GET", "/appointments", doctor)
    assert listed.status == 200
    lists = [e for e in events_for(state.stack, doctor.user_id) if e["action"] == "appointment.list"]
    assert summary(lists) == [(doctor.user_id, "doctor", "appointment.list", "allowed")]
    assert lists[0]["resource_type"] == "user"

    # A patient trying to book is refused by the edge, which records that event itself.
    assert api.create(patient, stranger).status == 403
    # A create refused for its body (the patient is a doctor) is a failed create.
    key = secrets.token_hex(6)
    refused = api.create(doctor, make_user(settings, "doctor", "Dr Not A Patient"), key=key)
    assert refused.status == 400
    assert summary(events_for(state.stack, appointment_id_for(doctor.user_id, key))) == [
        (doctor.user_id, "doctor", "appointment.create", "failed")]

    assert_no_personal_data(state.stack, (
        doctor.name, patient.name, stranger.name, doctor.phone_number, patient.phone_number, stranger.phone_number,
        doctor.email, patient.email, stranger.email, reason, "Check in for your appointment"))
