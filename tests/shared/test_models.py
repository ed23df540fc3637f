"""API models: validation rules of the API and the JSON shapes responses take."""
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from telehealth_shared.models.appointments import (Appointment, CreateAppointmentRequest, ListAppointmentsQuery,
                                                   UpdateAppointmentRequest)
from telehealth_shared.models.identity import SignupRequest
from telehealth_shared.models.messaging import Message, SendMessageRequest

GOOD_SIGNUP = {"email": "Ada@Example.com", "password": "Str0ng!Passw0rd", "name": " Dr Ada ",
               "phone_number": "+14155550100", "role": "doctor"}


def test_signup_normalises_email_and_name():
    model = SignupRequest.model_validate(GOOD_SIGNUP)
    assert (model.email, model.name) == ("ada@example.com", "Dr Ada")


@pytest.mark.parametrize("field,value", [
    ("email", "not-an-email"), ("email", ""), ("password", "weakpassword"), ("password", "Sh0rt!"),
    ("name", "   "), ("name", "x" * 101), ("phone_number", "4155550100"), ("phone_number", "+1 415 555 0100"),
    ("phone_number", "+999"), ("role", "nurse"),
])
def test_signup_rejects_bad_fields(field, value):
    with pytest.raises(ValidationError) as info:
        SignupRequest.model_validate({**GOOD_SIGNUP, field: value})
    assert [e["loc"] for e in info.value.errors()] == [(field,)]


def test_signup_rejects_extra_and_missing_fields():
    with pytest.raises(ValidationError) as info:
        SignupRequest.model_validate({**GOOD_SIGNUP, "admin": True, "role": None} | {"email": None})
    locs = {e["loc"] for e in info.value.errors()}
    assert {("admin",), ("role",), ("email",)} <= locs


def _future(minutes=10):
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).isoformat()


def test_appointment_request_rules():
    ok = CreateAppointmentRequest.model_validate({"patient_id": "abc-123", "starts_at": _future()})
    assert ok.duration_minutes == 30 and ok.reason is None
    offset = (datetime.now(timezone.utc) + timedelta(hours=2)).astimezone(timezone(timedelta(hours=-5))).isoformat()
    assert CreateAppointmentRequest.model_validate({"patient_id": "p", "starts_at": offset}).starts_at.tzinfo == timezone.utc
    for bad in ({"starts_at": _future(-1)}, {"starts_at": "2030-01-01T10:00:00"}, {"starts_at": "tomorrow"},
                {"duration_minutes": 4}, {"duration_minutes": 481}, {"duration_minutes": "30"},
                {"reason": "x" * 501}, {"patient_id": ""}, {"patient_id": "bad id!"}):
        with pytest.raises(ValidationError):
            CreateAppointmentRequest.model_validate({"patient_id": "p", "starts_at": _future(), **bad})


def test_update_needs_a_field():
    with pytest.raises(ValidationError):
        UpdateAppointmentRequest.model_validate({})
    assert UpdateAppointmentRequest.model_validate({"reason": None}).model_fields_set == {"reason"}


def test_list_query_accepts_from_alias_and_checks_order():
    query = ListAppointmentsQuery.model_validate({"from": "2030-01-01T00:00:00Z", "limit": "10"})
    assert query.limit == 10 and query.from_.year == 2030
    with pytest.raises(ValidationError):
        ListAppointmentsQuery.model_validate({"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"})
    for bad in ({"limit": "0"}, {"limit": "101"}, {"status": "done"}, {"unknown": "1"}):
        with pytest.raises(ValidationError):
            ListAppointmentsQuery.model_validate(bad)


def test_message_content_is_measured_in_utf8_bytes():
    assert SendMessageRequest.model_validate({"content": "é" * 2048}).content
    for bad in ("", "   ", "é" * 2049, "x" * 4097):
        with pytest.raises(ValidationError):
            SendMessageRequest.model_validate({"content": bad})


def test_response_shapes_use_utc_z_and_keep_null_reason():
    appointment = Appointment(
        appointment_id="a1", status="scheduled", starts_at=datetime(2026, 12, 1, 15, tzinfo=timezone.utc),
        duration_minutes=30, reason=None, doctor={"user_id": "d", "name": "Dr Ada"},
        patient={"user_id": "p", "name": "Bob"}, presence={"doctor": "added", "patient": "checked_in"},
        channel_arn="arn:aws:chime:us-east-1:1:app-instance/x/channel/a1",
        created_at=datetime(2026, 11, 1, tzinfo=timezone(timedelta(hours=2))))
    data = appointment.model_dump(mode="json")
    assert data["starts_at"] == "2026-12-01T15:00:00Z" and data["created_at"] == "2026-10-31T22:00:00Z"
    assert data["reason"] is None
    message = Message(message_id="m", kind="chat", content="hi", sender={"user_id": "u", "name": "n", "role": "doctor"},
                      created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert "client_id" not in message.model_dump(mode="json") and "data" not in message.model_dump(mode="json")


@pytest.mark.parametrize("name", [
    "Bob http://evil.example/x", "visit www.evil.example", "bob@example.com", "Ｂｏｂ＠ｅｖｉｌ", "ｗｗｗ．evil",
    "Bob\u202eevil", "Bob\u2066x", "Bob\nSmith", "Bob\tSmith", "\u200b\u200b", "\u3164\u3164", "   ", "", "12345",
    "x" * 101,
])
def test_person_names_refused(name):
    from pydantic import TypeAdapter, ValidationError

    from telehealth_shared.models.common import PersonName

    with pytest.raises(ValidationError):
        TypeAdapter(PersonName).validate_python(name)


@pytest.mark.parametrize("raw, expected", [
    ("Dr Ada Lovelace", "Dr Ada Lovelace"), ("  Zoë  ", "Zoë"), ("Zoe\u0308", "Zoë"), ("O'Brien-Smith", "O'Brien-Smith"),
    ("山田 太郎", "山田 太郎"), ("محمد", "محمد"), ("क्षत्रिय", "क्षत्रिय"), ("x" * 100, "x" * 100),
])
def test_person_names_accepted_and_normalised(raw, expected):
    from pydantic import TypeAdapter

    from telehealth_shared.models.common import PersonName

    assert TypeAdapter(PersonName).validate_python(raw) == expected
