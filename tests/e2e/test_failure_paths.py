"""The visit's failure paths end to end on the local stack, over HTTP only: wrong codes and
passwords, the wrong role or the wrong person, oversized messages, a declined phone call, no
meeting to join, and reminders of moved and cancelled appointments."""
from __future__ import annotations

from datetime import timedelta

import pytest

pytest.register_assert_rewrite("scenario_support")

from scenario_support import (REMINDER_TEXT, confirmation_code, four_service_stack, meeting_events,  # noqa: E402
                              new_person, parse_utc, seconds_ahead, signed_up, sms_to, wait_call)
from stack_fixture import wait_for  # noqa: E402
from telehealth_client import ApiError  # noqa: E402
from telehealth_client.client import LocalControl  # noqa: E402

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def stack():
    with four_service_stack() as running:
        yield running


@pytest.fixture(scope="module")
def control(stack):
    return LocalControl(stack.endpoint_url)


@pytest.fixture(scope="module")
def people(stack):
    return {
        "doctor": signed_up(stack, "doctor", "Dr Octavia Fennimore"),
        "patient": signed_up(stack, "patient", "Percival Ashdown"),
        "other_doctor": signed_up(stack, "doctor", "Dr Lucius Brightwater"),
        "other_patient": signed_up(stack, "patient", "Winifred Oakhurst"),
    }


def book(people, seconds=86400, doctor="doctor", patient="patient"):
    return people[doctor].client.create_appointment(people[patient].user_id, seconds_ahead(seconds), 30, "Check-up")


def refused(call, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as raised:
        call(*args, **kwargs)
    return raised.value


def test_a_wrong_confirmation_code_is_refused_and_the_right_one_still_works(stack, control):
    person = new_person(stack, "patient", "Ignatius Wrongcode")
    person.client.sign_up(person.email, person.password, person.name, person.phone_number, "patient")
    code = confirmation_code(control, person.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    error = refused(person.client.confirm, person.email, wrong)
    assert (error.status, error.code) == (400, "ValidationError")
    assert [d["path"] for d in error.details] == ["$.code"]
    # Still unconfirmed: signing in is refused until the right code is given.
    error = refused(person.client.sign_in, person.email, person.password)
    assert (error.status, error.code) == (403, "Forbidden")

    person.client.confirm(person.email, code)
    assert person.client.sign_in(person.email, person.password).token_type == "Bearer"
    assert person.client.me().user_id


def test_a_wrong_password_is_401_and_an_unknown_email_looks_the_same(stack, people):
    doctor = people["doctor"]
    stranger = new_person(stack, "doctor", "Nobody")
    wrong = refused(stranger.client.sign_in, doctor.email, doctor.password + "x")
    assert (wrong.status, wrong.code) == (401, "Unauthorized")
    unknown = refused(stranger.client.sign_in, stranger.email, stranger.password)
    assert (unknown.status, unknown.code, unknown.message) == (401, "Unauthorized", wrong.message)
    assert stranger.client.tokens is None


def test_a_patient_cannot_book(people):
    patient = people["patient"]
    before = patient.client.appointments().appointments
    error = refused(patient.client.create_appointment, people["other_patient"].user_id, seconds_ahead(86400))
    assert (error.status, error.code) == (403, "Forbidden")
    assert patient.client.appointments().appointments == before
    assert people["other_patient"].client.appointments().appointments == []


def test_a_third_user_cannot_see_someone_elses_appointment(people):
    appointment = book(people)
    appointment_id = appointment.appointment_id
    for name in ("other_doctor", "other_patient"):
        outsider = people[name].client
        for call in (outsider.appointment, outsider.messages, outsider.presence, outsider.check_in,
                     outsider.join_meeting, outsider.meeting):
            error = refused(call, appointment_id)
            assert (error.status, error.code) == (404, "NotFound"), (name, call.__name__)
            for secret in (people["doctor"].name, people["patient"].name, appointment.channel_arn):
                assert secret not in error.message
        assert appointment_id not in {a.appointment_id for a in outsider.appointments().appointments}
    # Its participants still see it, unchanged by the attempts.
    seen = people["patient"].client.appointment(appointment_id)
    assert (seen.status, seen.presence.doctor, seen.presence.patient) == ("scheduled", "added", "added")


def test_messages_over_4096_bytes_are_refused(people):
    appointment_id = book(people).appointment_id
    doctor = people["doctor"].client
    largest = "é" * 2048  # 4096 bytes of UTF-8 in 2048 characters
    assert doctor.send_message(appointment_id, largest).content == largest

    for too_big in ("é" * 2048 + "a", "a" * 4097):
        error = refused(doctor.send_message, appointment_id, too_big)
        assert (error.status, error.code) == (400, "ValidationError")
        assert [d["path"] for d in error.details] == ["$.content"]
    history = people["patient"].client.messages(appointment_id).messages
    assert [m.content for m in history if m.kind == "chat"] == [largest]


def test_hanging_up_before_pressing_1_declines_the_call(people, control):
    appointment_id = book(people).appointment_id
    patient = people["patient"]
    phone = people["doctor"].client.phone_call(appointment_id)
    transaction_id = phone.transaction_id
    ringing = wait_call(control, transaction_id, lambda c: c["status"] == "ringing", "the phone to ring")
    assert ringing["to"] == patient.phone_number
    control.answer(transaction_id)
    wait_call(control, transaction_id, lambda c: bool(c["spoken"]), "the greeting")
    control.hang_up(transaction_id)
    ended = wait_call(control, transaction_id, lambda c: c["status"] == "ended", "the call to end")
    assert not ended.get("attendee_id") and not ended.get("errors")

    events = wait_for(lambda: (e := meeting_events(patient, appointment_id)) and e[-1]["status"] == "declined" and e,
                      timeout=10, message="the declined event")
    assert [(e["status"], e["via"], e["meeting_id"]) for e in events] == [
        ("invited", "phone", phone.meeting_id), ("declined", "phone", phone.meeting_id)]
    assert events[-1]["sender_role"] == "patient"


def test_joining_without_an_active_meeting_is_409(people):
    appointment_id = book(people).appointment_id
    doctor, patient = people["doctor"].client, people["patient"].client
    error = refused(patient.join_meeting, appointment_id)
    assert (error.status, error.code) == (409, "Conflict")
    assert refused(patient.meeting, appointment_id).status == 404

    started = doctor.start_meeting(appointment_id)
    doctor.end_meeting(appointment_id)
    error = refused(patient.join_meeting, appointment_id)
    assert (error.status, error.code) == (409, "Conflict")
    events = [(e["status"], e["meeting_id"]) for e in meeting_events(people["patient"], appointment_id)]
    assert events == [("invited", started.meeting["MeetingId"]), ("ended", started.meeting["MeetingId"])]


@pytest.fixture(scope="module")
def reminder_cases(stack):
    """Two appointments due at the same moment a few seconds ahead: one moved 4 s later, one
    cancelled. When the moved one's reminder arrives, the original time has passed for both."""
    pairs = {case: (signed_up(stack, "doctor", f"Dr {case.title()} Remindson"),
                    signed_up(stack, "patient", f"{case.title()} Patientson"))
             for case in ("moved", "cancelled")}
    original = seconds_ahead(5)
    booked = {case: doctor.client.create_appointment(patient.user_id, original)
              for case, (doctor, patient) in pairs.items()}
    doctor = pairs["moved"][0]
    new_time = original + timedelta(seconds=4)
    moved = doctor.client.move_appointment(booked["moved"].appointment_id, starts_at=new_time)
    cancelled = pairs["cancelled"][1].client.cancel_appointment(booked["cancelled"].appointment_id)
    return {"pairs": pairs, "original": original, "new_time": new_time, "moved": moved, "cancelled": cancelled}


def wait_for_moved_reminder(control, cases):
    doctor, patient = cases["pairs"]["moved"]
    remaining = (cases["new_time"] - seconds_ahead(0)).total_seconds()
    return wait_for(lambda: (len(sms_to(control, doctor.phone_number)) >= 1
                             and len(sms_to(control, patient.phone_number)) >= 1),
                    timeout=max(remaining, 0) + 20, interval=0.2, message="the moved appointment's reminders")


def test_a_moved_appointment_reminds_only_at_the_new_time(reminder_cases, control):
    moved = reminder_cases["moved"]
    assert moved.starts_at == reminder_cases["new_time"] and moved.status == "scheduled"
    wait_for_moved_reminder(control, reminder_cases)
    doctor, patient = reminder_cases["pairs"]["moved"]
    for person, other in ((doctor, patient), (patient, doctor)):
        texts = sms_to(control, person.phone_number)
        # One text each (none at the original time), sent at the new time.
        assert [m["body"] for m in texts] == [REMINDER_TEXT.format(other.name)]
        assert parse_utc(texts[0]["sent_at"]) >= reminder_cases["new_time"] - timedelta(seconds=1)


def test_a_cancelled_appointment_sends_no_reminder(reminder_cases, control):
    assert reminder_cases["cancelled"].status == "cancelled"
    # By the time the moved one's reminder is here, the cancelled one's time is 4 s past.
    wait_for_moved_reminder(control, reminder_cases)
    for person in reminder_cases["pairs"]["cancelled"]:
        assert sms_to(control, person.phone_number) == []
    doctor = reminder_cases["pairs"]["cancelled"][0]
    assert doctor.client.appointment(reminder_cases["cancelled"].appointment_id).status == "cancelled"
