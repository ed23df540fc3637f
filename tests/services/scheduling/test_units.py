"""Pure parts of the scheduling service: idempotency ids and fingerprints, page tokens, the
reminder schedule, the channel summary and reminder events (no AWS involved)."""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.errors import ValidationFailed
from telehealth_shared.models.appointments import CreateAppointmentRequest

from chalicelib import idempotency
from chalicelib.parts import channels, page_tokens, reminder_schedule
from chalicelib.send_reminder import ReminderEvent, ReminderFailed

START = datetime(2030, 6, 1, 15, 0, tzinfo=timezone.utc)


def record(**changes):
    base = dict(appointment_id=str(uuid.uuid4()), doctor_id="doc-1", doctor_name="Dr Ada", patient_id="pat-1",
                patient_name="Bob", starts_at=START, duration_minutes=30, reason="Private reason",
                status="scheduled", presence_doctor="added", presence_patient="added",
                channel_arn="arn:aws:chime:us-east-1:123456789012:app-instance/a/channel/x", created_at=START, version=3)
    base.update(changes)
    return AppointmentRecord(**base)


# A day well inside the bookable year ahead.
DAY = (datetime.now(timezone.utc) + timedelta(days=200)).strftime("%Y-%m-%d")


def request(**changes):
    body = {"patient_id": "pat-1", "starts_at": f"{DAY}T15:00:00Z"}
    body.update(changes)
    return CreateAppointmentRequest.model_validate(body)


# -- idempotency ------------------------------------------------------------------------
def test_key_names_the_same_appointment_for_the_same_doctor_only():
    first = idempotency.appointment_id_for("doc-1", "key-1")
    assert first == idempotency.appointment_id_for("doc-1", "key-1")
    assert first != idempotency.appointment_id_for("doc-2", "key-1")
    assert first != idempotency.appointment_id_for("doc-1", "key-2")
    assert uuid.UUID(first)  # also a valid channel id
    assert idempotency.appointment_id_for("doc-1", None) != idempotency.appointment_id_for("doc-1", None)


def test_fingerprint_ignores_form_and_sees_substance():
    base = idempotency.fingerprint(request())
    assert base == idempotency.fingerprint(request(starts_at=f"{DAY}T17:00:00+02:00"))
    assert base == idempotency.fingerprint(request(duration_minutes=30))
    assert base != idempotency.fingerprint(request(duration_minutes=45))
    assert base != idempotency.fingerprint(request(reason="x"))
    assert base != idempotency.fingerprint(request(patient_id="pat-2"))
    assert base != idempotency.fingerprint(request(starts_at=f"{DAY}T15:00:01Z"))


@pytest.mark.parametrize("key", ["", "with space", "x" * 256, "tab\t", "é"])
def test_bad_keys_are_rejected(key):
    with pytest.raises(ValidationFailed) as error:
        idempotency.validate_key(key)
    assert error.value.details[0]["path"] == "header.Idempotency-Key"


def test_good_keys_pass():
    assert idempotency.validate_key(None) is None
    assert idempotency.validate_key("a" * 255) == "a" * 255
    assert idempotency.validate_key(str(uuid.uuid4()))


# -- page tokens ------------------------------------------------------------------------
def test_page_token_round_trip_and_binding():
    key = f"2030-06-01T15:00:00Z#{uuid.uuid4()}"
    token = page_tokens.encode("user-1", "doctor", key)
    assert page_tokens.decode(token, "user-1", "doctor") == key
    assert page_tokens.appointment_id_of(key) == key.split("#")[1]
    for owner, role in (("user-2", "doctor"), ("user-1", "patient")):
        with pytest.raises(ValidationFailed):
            page_tokens.decode(token, owner, role)


@pytest.mark.parametrize("token", ["garbage", "!!!", "e30", page_tokens.encode("u", "doctor", "not-a-key"),
                                   page_tokens.encode("u", "doctor", "2030-06-01T15:00:00Z#bad id")])
def test_garbage_page_tokens_are_400(token):
    with pytest.raises(ValidationFailed):
        page_tokens.decode(token, "u", "doctor")


# -- reminder schedule -----------------------------------------------------------------
def test_reminders_lead_times_first_then_start_only_future_ones():
    now = START - timedelta(minutes=45)
    items = reminder_schedule.reminders(record(), (60, 10, 30), now)
    assert [(i["lead_minutes"], i["remind_at"]) for i in items] == [
        (30, "2030-06-01T14:30:00Z"), (10, "2030-06-01T14:50:00Z"), (0, "2030-06-01T15:00:00Z")]
    assert all(i["version"] == 3 for i in items)


def test_reminder_at_start_is_kept_even_at_the_last_moment():
    items = reminder_schedule.reminders(record(), (), START + timedelta(seconds=1))
    assert [i["lead_minutes"] for i in items] == [0]


def test_execution_input_and_names():
    rec = record()
    payload = reminder_schedule.execution_input(rec, (), START - timedelta(hours=1))
    assert payload == {"appointment_id": rec.appointment_id, "version": 3, "reminders": [
        {"appointment_id": rec.appointment_id, "version": 3, "remind_at": "2030-06-01T15:00:00Z", "lead_minutes": 0}]}
    first, second = reminder_schedule.execution_name(rec), reminder_schedule.execution_name(rec)
    assert first != second and first.startswith(f"{rec.appointment_id}-v3-") and len(first) <= 80


# -- channel summary ---------------------------------------------------------------------
def test_summary_has_no_contact_details_or_reason_and_fits():
    text = channels.summary(record())
    data = json.loads(text)
    assert data == {"appointment_id": data["appointment_id"], "status": "scheduled",
                    "starts_at": "2030-06-01T15:00:00Z", "duration_minutes": 30,
                    "doctor": {"user_id": "doc-1", "name": "Dr Ada"}, "patient": {"user_id": "pat-1", "name": "Bob"}}
    assert "Private reason" not in text
    long_names = channels.summary(record(doctor_name="D" * 2000, patient_name="P" * 2000))
    assert len(long_names) <= channels.MAX_METADATA


# -- reminder events ---------------------------------------------------------------------
def test_reminder_event_parses_and_keys():
    event = ReminderEvent.parse({"appointment_id": "a", "version": 2, "remind_at": "2030-06-01T15:00:00Z",
                                 "lead_minutes": 10, "execution_arn": "arn:x"})
    assert event.key("doctor") == "2:10:doctor"
    assert event.remind_at == START


@pytest.mark.parametrize("event", [{}, None, {"appointment_id": "a", "version": "2", "remind_at": "2030-06-01T15:00:00Z",
                                              "lead_minutes": 0, "execution_arn": "x"},
                                   {"appointment_id": "a", "version": 2, "remind_at": "soon", "lead_minutes": 0,
                                    "execution_arn": "x"},
                                   {"appointment_id": "a", "version": 2, "remind_at": "2030-06-01T15:00:00Z",
                                    "lead_minutes": 0}])
def test_malformed_reminder_events_fail_permanently(event):
    with pytest.raises(ReminderFailed):
        ReminderEvent.parse(event)


def test_reminder_outcomes_become_business_metrics(capsys, monkeypatch):
    import json

    from telehealth_shared import metrics
    from telehealth_shared.config import get_settings

    from chalicelib.send_reminder import _count_outcome

    monkeypatch.setenv("TELEHEALTH_STAGE", "test")
    get_settings.cache_clear()
    metrics.serving("scheduling")
    metrics.flush()
    capsys.readouterr()
    _count_outcome({"sent": ["doctor"], "opted_out": ["patient"]})
    _count_outcome({"sent": [], "skipped_roles": {"patient": "phone_unverified"}})
    metrics.flush()
    get_settings.cache_clear()
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"_aws"' in x]
    assert line["RemindersSent"] == [1.0] and line["RemindersSkipped"] == [1.0, 1.0]
    assert line["RemindersSkipped_opted_out"] == [1.0] and line["RemindersSkipped_phone_unverified"] == [1.0]
