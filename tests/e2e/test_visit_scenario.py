"""A whole visit end to end on the local stack (four services as separate processes), through
HTTP, the websocket and the control API only: sign-up, booking, check-in, chat, meeting, phone
call, the reminder SMS and cancelling."""
from __future__ import annotations

from datetime import timedelta

import pytest

pytest.register_assert_rewrite("scenario_support")

from scenario_support import (GREETING, REMINDER_TEXT, event_type, four_service_stack, metadata,  # noqa: E402
                              parse_utc, play_visit)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def stack():
    with four_service_stack() as running:
        yield running


@pytest.fixture(scope="module")
def visit(stack):
    return play_visit(stack, lead_seconds=8)


def test_people_sign_up_confirm_and_are_provisioned(visit, stack):
    for person in (visit.doctor, visit.patient):
        assert person.user_id and person.confirmation_code
        # GET /me answered with the user's own Chime identity (provisioned at confirmation).
        assert person.app_instance_user_arn == f"{stack.settings['TELEHEALTH_APP_INSTANCE_ARN']}/user/{person.user_id}"


def test_the_doctor_finds_the_patient_by_email_then_by_name(visit):
    # A doctor's name search covers only its own patients: nothing before the first booking.
    assert visit.found_before.patients == []
    assert [(p.user_id, p.name, p.email) for p in visit.found.patients] == [
        (visit.patient.user_id, visit.patient.name, visit.patient.email)]
    matches = [p for p in visit.found_by_name.patients if p.user_id == visit.patient.user_id]
    assert [(p.name, p.email) for p in matches] == [(visit.patient.name, visit.patient.email)]
    assert visit.doctor.user_id not in {p.user_id for p in visit.found_by_name.patients}


def test_the_appointment_is_booked_and_both_list_it(visit):
    appointment = visit.appointment
    assert appointment.status == "scheduled"
    assert (appointment.doctor.user_id, appointment.doctor.name) == (visit.doctor.user_id, visit.doctor.name)
    assert (appointment.patient.user_id, appointment.patient.name) == (visit.patient.user_id, visit.patient.name)
    assert (appointment.reason, appointment.duration_minutes) == (visit.reason, 30)
    assert (appointment.presence.doctor, appointment.presence.patient) == ("added", "added")
    assert appointment.channel_arn.endswith(f"/channel/{appointment.appointment_id}")
    assert appointment.starts_at > appointment.created_at
    for page in (visit.doctor_list, visit.patient_list):
        assert [a.appointment_id for a in page.appointments] == [appointment.appointment_id]


def test_the_patient_checks_in(visit):
    assert (visit.presence.doctor, visit.presence.patient) == ("added", "checked_in")


def test_the_patients_websocket_receives_the_chat_message_and_the_invite(visit):
    assert visit.session.app_instance_user_arn == visit.patient.app_instance_user_arn
    assert event_type(visit.first_frame) == "SESSION_ESTABLISHED"

    chat = visit.chat_frame
    assert chat["Content"] == visit.doctor_text
    assert metadata(chat) == {"kind": "chat", "client_id": "doctor-web-1"}
    assert chat["Sender"]["Arn"] == visit.doctor.app_instance_user_arn
    assert chat["ChannelArn"] == visit.appointment.channel_arn

    invite = metadata(visit.invite_frame)
    assert invite["kind"] == "meeting"
    assert invite["data"]["status"] == "invited"
    assert invite["data"]["meeting_id"] == visit.started.meeting["MeetingId"]
    assert visit.invite_frame["ChannelArn"] == visit.appointment.channel_arn


def test_chat_goes_both_ways_and_the_history_keeps_the_order(visit):
    assert (visit.sent_by_doctor.kind, visit.sent_by_doctor.content) == ("chat", visit.doctor_text)
    assert visit.sent_by_doctor.client_id == "doctor-web-1"
    assert (visit.sent_by_patient.sender.user_id, visit.sent_by_patient.sender.role) == (visit.patient.user_id, "patient")
    history = visit.chat_history
    assert [(m.kind, m.sender.role) for m in history] == [
        ("presence", "patient"), ("chat", "doctor"), ("meeting", "doctor"), ("chat", "patient")]
    assert [m.content for m in history if m.kind == "chat"] == [visit.doctor_text, visit.patient_text]
    assert [m.sender.name for m in history if m.kind == "chat"] == [visit.doctor.name, visit.patient.name]
    assert history[0].data == {"role": "patient", "presence": "checked_in"}
    assert [m.created_at for m in history] == sorted(m.created_at for m in history)


def test_the_doctor_starts_a_meeting_and_the_patient_joins_it(visit):
    meeting_id = visit.started.meeting["MeetingId"]
    assert visit.started.attendee["ExternalUserId"] == visit.doctor.user_id
    assert visit.joined.meeting["MeetingId"] == meeting_id
    assert visit.joined.attendee["ExternalUserId"] == visit.patient.user_id
    assert visit.joined.attendee["AttendeeId"] != visit.started.attendee["AttendeeId"]
    assert visit.joined.attendee["JoinToken"] and visit.joined.meeting["MediaPlacement"]
    assert visit.current_meeting.meeting["MeetingId"] == meeting_id


def test_the_phone_call_greets_the_patient_and_joins_the_meeting_on_1(visit, stack):
    meeting_id = visit.started.meeting["MeetingId"]
    assert visit.phone.meeting_id == meeting_id  # the active meeting is reused
    assert visit.ringing["to"] == visit.patient.phone_number
    assert visit.ringing["from"] == stack.settings["TELEHEALTH_PHONE_NUMBER"]
    assert visit.answered["spoken"] == [GREETING.format(patient=visit.patient.name, doctor=visit.doctor.name)]
    assert visit.answered["status"] == "answered"
    assert visit.in_meeting["status"] == "joined"
    assert visit.in_meeting["meeting_id"] == meeting_id and visit.in_meeting["attendee_id"]
    assert visit.in_meeting["attendee_id"] not in (visit.started.attendee["AttendeeId"],
                                                   visit.joined.attendee["AttendeeId"])
    accepted = visit.events_after_phone[-1]
    assert (accepted["status"], accepted["via"], accepted["meeting_id"]) == ("accepted", "phone", meeting_id)
    assert accepted["sender_role"] == "patient"
    assert visit.after_hangup["status"] == "ended"
    assert "HANGUP" in visit.after_hangup["events"]
    assert not visit.after_hangup.get("errors")


def test_the_history_tells_the_meeting_story(visit):
    meeting_id = visit.started.meeting["MeetingId"]
    events = [(m.data["status"], m.data["via"]) for m in visit.final_history
              if m.kind == "meeting" and m.data["meeting_id"] == meeting_id]
    # Cancelling ended the meeting, and said so on the channel.
    assert events == [("invited", "web"), ("accepted", "web"), ("accepted", "phone"), ("ended", "web")]


def test_the_reminder_reaches_only_the_doctor_who_did_not_check_in(visit):
    assert [m["body"] for m in visit.doctor_sms] == [REMINDER_TEXT.format(visit.patient.name)]
    assert visit.doctor_sms[0]["body"] == f"Check in for your appointment with {visit.patient.name}."
    # Not before the appointment's time (moto's Wait state may round down by up to a second).
    assert parse_utc(visit.doctor_sms[0]["sent_at"]) >= visit.appointment.starts_at - timedelta(seconds=1)
    assert visit.patient_sms == []
    assert {claim.rsplit(":", 1)[1] for claim in visit.reminder_claims} == {"doctor"}  # the patient was never due


def test_cancelling_stops_check_in(visit):
    assert visit.cancelled.status == "cancelled"
    assert visit.cancelled.appointment_id == visit.appointment.appointment_id
    error = visit.check_in_after_cancel
    assert error is not None and (error.status, error.code) == (409, "Conflict")
    # Reading a cancelled appointment still works, for both.
    assert visit.patient.client.appointment(visit.appointment.appointment_id).status == "cancelled"
    assert [a.status for a in visit.doctor.client.appointments().appointments] == ["cancelled"]
