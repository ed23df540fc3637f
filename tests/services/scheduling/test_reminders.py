"""Reminders for real: the state machine waits until the time, the send_reminder Lambda runs in
the local stack's worker and texts through End User Messaging SMS into the SMS outbox. All scenarios are set
up at once (a few seconds ahead) so the suite waits for the clock only once."""
import json
import os
import secrets
from datetime import datetime, timedelta, timezone

import pytest

from conftest import failing, iso, make_user, seconds_ahead
from stack_fixture import wait_for

TEXT = "Check in for your appointment with {}."


def _not_before(sent_at, starts_at):
    """The text went out at the appointment's time, never earlier (the local stack's Wait
    waits until the UTC instant, rounded up; the Lambda refuses to act early)."""
    sent = datetime.fromisoformat(sent_at.replace("Z", "+00:00"))
    due = datetime.fromisoformat(starts_at.replace("Z", "+00:00"))
    return sent >= due


def _pair(settings, tag):
    return (make_user(settings, "doctor", f"Dr {tag} {secrets.token_hex(2)}"),
            make_user(settings, "patient", f"Pat {tag} {secrets.token_hex(2)}"))


@pytest.fixture(scope="module")
def scenarios(api, state, settings):
    """Appointments a few seconds ahead, each in one situation, keyed by name."""
    made = {}
    lead = _pair(settings, "lead")
    # Lead-time reminders are a deployment setting: this one is booked with a 1 minute lead,
    # so its lead reminder comes in seconds and the one at the start (a minute later) is
    # cancelled before it is due.
    from telehealth_shared.config import get_settings

    os.environ["TELEHEALTH_REMINDER_LEAD_MINUTES"] = "1"
    get_settings.cache_clear()
    try:
        response = api.create(*lead, seconds_ahead(64))
    finally:
        os.environ["TELEHEALTH_REMINDER_LEAD_MINUTES"] = ""
        get_settings.cache_clear()
    assert response.status == 201, response
    made["lead"] = (lead, response.body)

    # Users first: signing up takes a moment each, and the appointments must all still be
    # ahead when they are booked.
    names = ("plain", "checked_in", "cancelled", "cancelled_unstopped", "bad_phone", "moved", "orphan")
    pairs = {name: _pair(settings, name) for name in names}
    # E.164 in form (Cognito accepts it) but no such number: End User Messaging SMS refuses it for good.
    pairs["bad_phone"] = (pairs["bad_phone"][0], make_user(settings, "patient", "Pat Nowhere",
                                                           phone_number="+10000000000"))
    starts = seconds_ahead(8)
    for name in ("plain", "checked_in", "cancelled", "cancelled_unstopped", "bad_phone"):
        response = api.create(*pairs[name], starts)
        assert response.status == 201, response
        made[name] = (pairs[name], response.body)

    state.set_presence(made["checked_in"][1]["appointment_id"], "patient", "checked_in")
    doctor, patient = pairs["cancelled"]
    assert api.call("DELETE", f"/appointments/{made['cancelled'][1]['appointment_id']}", patient).status == 200
    doctor, patient = pairs["cancelled_unstopped"]
    with failing("StopExecution"):
        assert api.call("DELETE", f"/appointments/{made['cancelled_unstopped'][1]['appointment_id']}", doctor).status == 200

    # Moved later; stopping the old execution fails, so it still fires at the old time and
    # must send nothing then.
    created = api.create(*pairs["moved"], starts).body
    new_start = starts + timedelta(seconds=4)
    with failing("StopExecution"):
        moved = api.call("PATCH", f"/appointments/{created['appointment_id']}", pairs["moved"][0],
                         {"starts_at": iso(new_start)})
    assert moved.status == 200, moved
    made["moved"] = (pairs["moved"], moved.body)

    # A create that crashed after its execution started, then retried: two executions fire.
    key = secrets.token_hex(8)
    with failing("PutItem", "DeleteChannel", "StopExecution"):
        assert api.create(*pairs["orphan"], starts, key=key).status == 503
    retried = api.create(*pairs["orphan"], starts, key=key)
    assert retried.status == 201
    made["orphan"] = (pairs["orphan"], retried.body)
    return made


def _wait_done(state, appointment, timeout=40.0):
    item = state.item(appointment["appointment_id"])
    return state.wait_execution_done(item["reminder_execution_arn"], timeout)


def _texts(state, user):
    return [m["body"] for m in state.sms_to(user.phone_number)]


def _assert_reminded(state, settings, doctor, patient):
    for user, other in ((doctor, patient), (patient, doctor)):
        messages = state.sms_to(user.phone_number)
        assert [m["body"] for m in messages] == [TEXT.format(other.name)]
        assert messages[0]["message_type"] == "TRANSACTIONAL"
        assert messages[0]["origination_number"] == settings["TELEHEALTH_PHONE_NUMBER"]


def test_both_participants_get_one_text_naming_the_other(scenarios, state, settings):
    (doctor, patient), appointment = scenarios["plain"]
    done = _wait_done(state, appointment)
    assert done["status"] == "SUCCEEDED", done
    _assert_reminded(state, settings, doctor, patient)
    assert _not_before(state.sms_to(doctor.phone_number)[0]["sent_at"], appointment["starts_at"])


def test_a_participant_who_checked_in_gets_none(scenarios, state):
    (doctor, patient), appointment = scenarios["checked_in"]
    assert _wait_done(state, appointment)["status"] == "SUCCEEDED"
    assert _texts(state, doctor) == [TEXT.format(patient.name)]
    assert _texts(state, patient) == []


def test_a_cancelled_appointment_sends_none(scenarios, state):
    (doctor, patient), appointment = scenarios["cancelled"]
    state.wait_stopped(state.item(appointment["appointment_id"])["reminder_execution_arn"])
    # The appointment that could not stop its execution is due at the same moment: once its
    # execution has run the Lambda, this one's time has certainly passed too.
    (other_doctor, other_patient), unstopped = scenarios["cancelled_unstopped"]
    done = _wait_done(state, unstopped)
    assert done["status"] == "SUCCEEDED", done
    for user in (doctor, patient, other_doctor, other_patient):
        assert _texts(state, user) == []


def test_a_moved_appointment_reminds_at_the_new_time_only(scenarios, state, settings):
    (doctor, patient), appointment = scenarios["moved"]
    assert _wait_done(state, appointment)["status"] == "SUCCEEDED"
    _assert_reminded(state, settings, doctor, patient)
    for user in (doctor, patient):
        # The old time was 4 s earlier.
        assert _not_before(state.sms_to(user.phone_number)[0]["sent_at"], appointment["starts_at"])


def test_an_orphaned_execution_of_a_crashed_create_sends_nothing(scenarios, state, settings):
    (doctor, patient), appointment = scenarios["orphan"]
    appointment_id = appointment["appointment_id"]
    assert _wait_done(state, appointment)["status"] == "SUCCEEDED"
    executions = state.executions(appointment_id)
    assert len(executions) == 2
    for execution in executions:
        state.wait_execution_done(execution["executionArn"])
    _assert_reminded(state, settings, doctor, patient)


def test_a_failed_delivery_fails_the_execution_visibly(scenarios, state):
    (doctor, patient), appointment = scenarios["bad_phone"]
    done = _wait_done(state, appointment)
    assert done["status"] == "FAILED" and done.get("error") == "ReminderFailed", done
    assert _texts(state, doctor) == [TEXT.format(patient.name)]
    assert _texts(state, patient) == []
    sent = state.item(appointment["appointment_id"])["reminders_sent"]
    assert sent == {"1:0:doctor", "1:0:patient"}  # neither will be retried


def test_lead_time_reminder_comes_first_and_cancelling_stops_the_rest(scenarios, api, state, settings):
    (doctor, patient), appointment = scenarios["lead"]
    execution_arn = state.item(appointment["appointment_id"])["reminder_execution_arn"]
    reminders = json.loads(state.execution(execution_arn)["input"])["reminders"]
    starts = datetime.fromisoformat(appointment["starts_at"].replace("Z", "+00:00"))
    assert [(r["lead_minutes"], r["remind_at"]) for r in reminders] == [
        (1, iso(starts - timedelta(minutes=1))), (0, appointment["starts_at"])]
    wait_for(lambda: _texts(state, doctor) and _texts(state, patient), timeout=40, interval=0.2,
             message="the lead-time reminders")
    assert api.call("DELETE", f"/appointments/{appointment['appointment_id']}", doctor).status == 200
    done = state.wait_execution_done(execution_arn)
    assert done["status"] != "SUCCEEDED"
    _assert_reminded(state, settings, doctor, patient)
    assert state.item(appointment["appointment_id"])["reminders_sent"] == {"1:1:doctor", "1:1:patient"}
    assert datetime.now(timezone.utc) < starts  # the reminder at the start was never due
