"""The send_reminder Lambda's rules, invoked in this process against the local stack: at most
one text per participant and reminder however often it is retried, claims released only when
nothing went out, opted-out recipients skipped and recorded, stale executions skipped, failures raised."""
import json

import pytest
from botocore.awsrequest import AWSResponse

from telehealth_shared.aws import AwsClients, default_clients
from telehealth_shared.config import get_settings

from chalicelib.send_reminder import ReminderFailed, ReminderTemporarilyFailed, ReminderTooEarly, send_reminder
from conftest import in_days

TEXT = "Check in for your appointment with {}."


@pytest.fixture
def booked(api, state, fresh_pair):
    """An appointment days ahead and the event its execution will send at the start."""
    doctor, patient = fresh_pair
    appointment = api.create(doctor, patient, in_days(5)).body
    item = state.item(appointment["appointment_id"])
    event = {"appointment_id": appointment["appointment_id"], "version": 1, "remind_at": appointment["starts_at"],
             "lead_minutes": 0, "execution_arn": item["reminder_execution_arn"]}
    return doctor, patient, appointment, event


def _invoke(event, clients=None, now=None):
    """The Lambda as its execution calls it; `now` defaults to a moment after every reminder
    time these tests use (the Lambda refuses to act before its time)."""
    return send_reminder(clients or default_clients(), get_settings(), event, now=now or in_days(30))


def _sms_answering(error, status, reason=None):
    """Clients whose SendTextMessage gets the given error instead of reaching the stack
    (behaviour injection through botocore's before-call event on the never-retrying client)."""
    clients = AwsClients()

    def answer(model=None, **_):
        if model is None or model.name != "SendTextMessage":
            return None
        parsed = {"Error": {"Code": error, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}}
        if reason:
            parsed["Reason"] = reason
        return AWSResponse("https://sms-voice", status, {}, None), parsed

    clients.never_retrying().sms.meta.events.register_first("before-call.*.SendTextMessage", answer)
    return clients


def _sent_keys(state, appointment):
    return set(state.item(appointment["appointment_id"]).get("reminders_sent") or ())


def test_a_retried_invocation_never_sends_twice(booked, state):
    doctor, patient, appointment, event = booked
    assert _invoke(event) == {"sent": ["doctor", "patient"]}
    assert _invoke(event) == {"sent": []}
    assert [m["body"] for m in state.sms_to(doctor.phone_number)] == [TEXT.format(patient.name)]
    assert [m["body"] for m in state.sms_to(patient.phone_number)] == [TEXT.format(doctor.name)]
    assert _sent_keys(state, appointment) == {"1:0:doctor", "1:0:patient"}


def test_checked_in_participant_is_not_texted(booked, state):
    doctor, patient, appointment, event = booked
    state.set_presence(appointment["appointment_id"], "doctor", "checked_in")
    assert _invoke(event) == {"sent": ["patient"]}
    assert state.sms_to(doctor.phone_number) == []


def test_throttled_sends_are_temporary_and_release_the_claim_so_the_retry_sends(booked, state):
    doctor, patient, appointment, event = booked
    with pytest.raises(ReminderTemporarilyFailed):
        _invoke(event, _sms_answering("ThrottlingException", 400))
    assert _sent_keys(state, appointment) == set()
    assert state.sms_to(doctor.phone_number) == []
    assert _invoke(event) == {"sent": ["doctor", "patient"]}
    assert len(state.sms_to(doctor.phone_number)) == 1 and len(state.sms_to(patient.phone_number)) == 1


@pytest.mark.parametrize("error, status", [("ValidationException", 400), ("ResourceNotFoundException", 400),
                                           ("InternalServerException", 500)])
def test_refused_or_unknown_outcomes_fail_and_are_never_resent(booked, state, error, status):
    """A refusal cannot be helped by retrying; after a server error the text may have gone
    out. Either way it stays recorded and the execution fails."""
    doctor, _patient, appointment, event = booked
    with pytest.raises(ReminderFailed):
        _invoke(event, _sms_answering(error, status))
    # A server error stops at the first role: the one never tried is released.
    expected = {"1:0:doctor"} if status == 500 else {"1:0:doctor", "1:0:patient"}
    assert _sent_keys(state, appointment) == expected
    assert state.sms_to(doctor.phone_number) == []


def test_a_recipient_who_replied_stop_is_skipped_and_the_item_says_why(booked, state, settings):
    doctor, patient, appointment, event = booked
    inbound = {"from": patient.phone_number, "to": settings["TELEHEALTH_PHONE_NUMBER"], "body": "STOP"}
    assert state.stack.control("POST", "sms/inbound", json=inbound).json() == {"action": "opted_out"}
    assert _invoke(event) == {"sent": ["doctor"], "opted_out": ["patient"]}
    assert _invoke(event) == {"sent": []}  # not retried: the claim stays
    assert state.sms_to(patient.phone_number) == []
    (text,) = state.sms_to(doctor.phone_number)
    assert text["context"] == {"appointment_id": appointment["appointment_id"]}  # never PHI
    item = state.item(appointment["appointment_id"])
    assert item["reminders_sent"] == {"1:0:doctor", "1:0:patient"}
    assert item["reminders_skipped"] == {"1:0:patient:opted_out"}


def test_start_opts_the_recipient_back_in(booked, state, settings):
    _doctor, patient, appointment, event = booked
    ours = settings["TELEHEALTH_PHONE_NUMBER"]
    for body in ("STOP", "START"):
        state.stack.control("POST", "sms/inbound", json={"from": patient.phone_number, "to": ours, "body": body})
    assert _invoke(event) == {"sent": ["doctor", "patient"]}
    assert len(state.sms_to(patient.phone_number)) == 1
    assert "reminders_skipped" not in state.item(appointment["appointment_id"])


def test_aws_failures_before_sending_are_temporary(booked, state):
    from conftest import failing

    doctor, _patient, appointment, event = booked
    for operation in ("GetItem", "AdminGetUser", "UpdateItem"):
        with failing(operation), pytest.raises(ReminderTemporarilyFailed):
            _invoke(event)
    assert _sent_keys(state, appointment) == set() and state.sms_to(doctor.phone_number) == []


@pytest.mark.parametrize("change, reason", [
    ({"execution_arn": "arn:aws:states:us-east-1:123456789012:execution:m:stale"}, "superseded"),
    ({"remind_at": "2021-01-01T00:00:00Z"}, "time_changed"),
    ({"appointment_id": "00000000-0000-0000-0000-000000000000"}, "no_appointment"),
])
def test_stale_events_send_nothing(booked, state, change, reason):
    doctor, _patient, _appointment, event = booked
    assert _invoke({**event, **change}) == {"sent": [], "skipped": reason}
    assert state.sms_to(doctor.phone_number) == []


def test_cancelled_appointment_sends_nothing(api, booked, state):
    doctor, patient, appointment, event = booked
    assert api.call("DELETE", f"/appointments/{appointment['appointment_id']}", patient).status == 200
    assert _invoke(event) == {"sent": [], "skipped": "cancelled"}
    assert state.sms_to(doctor.phone_number) == [] and state.sms_to(patient.phone_number) == []


def test_a_changed_unconfirmed_number_gets_no_text_and_the_reminder_says_why(booked, state, settings):
    from conftest import unique_phone
    from users import cognito

    doctor, patient, appointment, event = booked
    new_number = unique_phone()
    cognito(settings).admin_update_user_attributes(
        UserPoolId=settings["TELEHEALTH_USER_POOL_ID"], Username=patient.user_id,
        UserAttributes=[{"Name": "phone_number", "Value": new_number}, {"Name": "phone_number_verified", "Value": "false"},
                        {"Name": "custom:phone_pending", "Value": "true"}])
    assert _invoke(event) == {"sent": ["doctor"], "skipped_roles": {"patient": "phone_unverified"}}
    assert state.sms_to(new_number) == [] and state.sms_to(patient.phone_number) == []
    assert [m["body"] for m in state.sms_to(doctor.phone_number)] == [TEXT.format(patient.name)]


def test_before_its_time_nothing_is_read_or_sent(booked, state):
    """An early wake-up (a Wait that ended early) is refused with the error the state machine
    retries; the reminder is then sent once its time has come."""
    from datetime import timedelta

    from telehealth_shared.appointment_records import parse_utc

    from conftest import failing

    doctor, patient, appointment, event = booked
    at = parse_utc(event["remind_at"])
    # No AWS call at all: every one would fail here.
    with failing("GetItem", "AdminGetUser", "UpdateItem", "SendTextMessage"), pytest.raises(ReminderTooEarly):
        _invoke(event, now=at - timedelta(milliseconds=1))
    assert _sent_keys(state, appointment) == set() and state.sms_to(doctor.phone_number) == []
    assert _invoke(event, now=at) == {"sent": ["doctor", "patient"]}


def test_the_state_machine_retries_an_early_reminder():
    import pathlib

    definition = json.loads((pathlib.Path(__file__).resolve().parents[3] / "infra" / "statemachine" /
                             "reminders.asl.json").read_text())
    task = definition["States"]["Reminders"]["Iterator"]["States"]["SendReminder"]
    retry = next(r for r in task["Retry"] if "ReminderTooEarly" in r["ErrorEquals"])
    # Enough patience for an early wake-up of half a minute.
    patience = sum(retry["IntervalSeconds"] * retry["BackoffRate"] ** n for n in range(retry["MaxAttempts"]))
    assert patience >= 30 and ReminderTooEarly.__name__ == "ReminderTooEarly"
