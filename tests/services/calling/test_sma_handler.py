"""The SIP media application handler fed the real captured events and shapes derived from them:
valid SMA responses for every event type, apologies for unknown calls, never an exception."""
from __future__ import annotations

import copy
import socket

import pytest

from calling_support import (SMA_EVENTS, TEST_SMA_ID, as_deployments, assert_valid_sma_response, load_sma_event,
                             sma_event)

pytestmark = pytest.mark.timeout(60)

EMPTY = {"SchemaVersion": "1.0", "Actions": []}
CAPTURED = sorted(p.name for p in SMA_EVENTS.glob("*.json"))


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def unreachable_aws(monkeypatch):
    """Clients and settings whose every AWS call fails to connect: if the handler touches AWS
    it meets a real failure, never a fake answer."""
    from telehealth_shared.aws import AwsClients
    from telehealth_shared.config import get_settings

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("TELEHEALTH_CALLS_TABLE", "telehealth-test-calls")
    monkeypatch.setenv("TELEHEALTH_APPOINTMENTS_TABLE", "telehealth-test-appointments")
    monkeypatch.setenv("TELEHEALTH_APP_INSTANCE_ARN", "arn:aws:chime:us-east-1:123456789012:app-instance/x")
    monkeypatch.setenv("TELEHEALTH_SIP_MEDIA_APPLICATION_ID", TEST_SMA_ID)
    get_settings.cache_clear()
    settings = get_settings()
    get_settings.cache_clear()  # later tests read their own environment again
    return AwsClients(region="us-east-1", connect_timeout=1, read_timeout=1, max_attempts=1), settings


def handle(clients_and_settings, event):
    from chalicelib.sma_handler import handle_sma_event

    clients, settings = clients_and_settings
    return handle_sma_event(clients, settings, event)


# --- events that need no AWS at all -------------------------------------------------------

IGNORED = [
    as_deployments(load_sma_event("NEW_OUTBOUND_CALL__awsdocs-dg-use-create-call-api.json")),
    as_deployments(load_sma_event("RINGING__awsdocs-dg-use-create-call-api.json")),
    # The captured SpeakAndGetDigits success holds other digits than our `1`.
    as_deployments(load_sma_event("ACTION_SUCCESSFUL_SpeakAndGetDigits__awsdocs-dg-speak-and-get-digits.json")),
    sma_event("NEW_OUTBOUND_CALL", action_data={"Type": "CallCreateRequest",
                                                "Parameters": {"Arguments": {"appointment_id": "a", "meeting_id": "m"}}}),
    sma_event("DIGITS_RECEIVED", action_data={"Type": "ReceiveDigits", "Parameters": {"CallId": "call-id-1"},
                                              "ReceivedDigits": "1"}),
    sma_event("ACTION_FAILED", action_data={"Type": "SpeakAndGetDigits", "Parameters": {"CallId": "call-id-1"},
                                            "ErrorType": "InvalidDigitsReceived", "ErrorMessage": "no"}),
    sma_event("ACTION_FAILED", action_data={"Type": "JoinChimeMeeting", "Parameters": {"CallId": "call-id-1"},
                                            "ErrorType": "InvalidActionParameter", "ErrorMessage": "no"}),
    sma_event("CALL_UPDATE_REQUESTED", action_data={"Type": "CallUpdateRequest", "Parameters": {"Arguments": {}}}),
    {**sma_event("INVALID_LAMBDA_RESPONSE"), "ErrorType": "InvalidActionList", "ErrorMessage": "bad"},
    sma_event("ACTION_INTERRUPTED", action_data={"Type": "SpeakAndGetDigits", "Parameters": {"CallId": "call-id-1"}}),
    sma_event("ACTION_SUCCESSFUL", action_data={"Type": "JoinChimeMeeting", "Parameters": {"CallId": "call-id-1"}}),
    sma_event("ACTION_SUCCESSFUL", action_data={"Type": "Speak", "Parameters": {"CallId": "call-id-1"}}),
    sma_event("SOMETHING_AWS_ADDS_LATER"),
    sma_event("RINGING", legacy_id_field=True, leg_a_status=None),
    # The meeting leg dropping after the caller has gone: nothing left to hang up.
    sma_event("HANGUP", leg_a_status="Disconnected",
              action_data={"Type": "Hangup", "Parameters": {"SipResponseCode": 0, "CallId": "leg-b", "ParticipantTag": "LEG-B"}},
              extra_participants=[{"CallId": "leg-b", "ParticipantTag": "LEG-B", "Status": "Disconnected"}]),
]


@pytest.mark.parametrize("event", IGNORED, ids=lambda e: e["InvocationEventType"])
def test_events_it_does_not_handle_get_an_empty_action_list(unreachable_aws, event):
    assert handle(unreachable_aws, copy.deepcopy(event)) == EMPTY


@pytest.mark.parametrize("event", [None, "text", 42, [], {}, {"InvocationEventType": 5},
                                   {"InvocationEventType": "CALL_ANSWERED", "CallDetails": "x"},
                                   {"InvocationEventType": "HANGUP", "Sequence": "not a number"}])
def test_malformed_events_get_a_valid_empty_response(unreachable_aws, event):
    assert handle(unreachable_aws, event) == EMPTY


def test_meeting_leg_dropping_hangs_up_the_phone(unreachable_aws):
    from chalicelib.sma_handler import handle_sma_event

    # No AWS is needed for this decision (every AWS call would fail here).
    event = sma_event("HANGUP", action_data={"Type": "Hangup", "Parameters": {
        "SipResponseCode": 0, "CallId": "leg-b", "ParticipantTag": "LEG-B"}},
        extra_participants=[{"CallId": "leg-b", "ParticipantTag": "LEG-B", "Status": "Disconnected"}])
    response = handle_sma_event(unreachable_aws[0], unreachable_aws[1], event)
    actions = assert_valid_sma_response(response, "call-id-1")
    assert actions == [{"Type": "Hangup", "Parameters": {"CallId": "call-id-1", "SipResponseCode": "0"}}]


@pytest.mark.parametrize("event_type,action_data", [
    ("CALL_ANSWERED", None),
    ("ACTION_SUCCESSFUL", {"Type": "SpeakAndGetDigits", "Parameters": {"CallId": "call-id-1"}, "ReceivedDigits": "1"}),
])
def test_failure_while_talking_apologises_and_hangs_up(unreachable_aws, event_type, action_data, caplog):
    event = sma_event(event_type, action_data=action_data)
    actions = assert_valid_sma_response(handle(unreachable_aws, event), "call-id-1")
    assert [a["Type"] for a in actions] == ["Speak", "Hangup"]
    assert "went wrong" in actions[0]["Parameters"]["Text"]
    # Logged without the event's phone numbers.
    assert "+1555" not in caplog.text and "+1202" not in caplog.text


def test_failure_on_hangup_is_logged_not_raised(unreachable_aws):
    event = as_deployments(load_sma_event("HANGUP__aws-samples-pstn-audio-workshop-real-capture.json"))
    assert handle(unreachable_aws, event) == EMPTY


def test_event_models_accept_both_application_id_names():
    from chalicelib.parts.sma_events import SmaEvent

    old = SmaEvent.model_validate(load_sma_event("CALL_ANSWERED__awsdocs-dg-use-create-call-api.json"))
    new = SmaEvent.model_validate(load_sma_event("HANGUP__aws-samples-pstn-audio-workshop-real-capture.json"))
    assert old.call_details.sip_media_application_id == "sip-application-id"
    assert new.call_details.sip_media_application_id == "d408563b-4a60-4df7-bd59-82460adb1928"
    assert new.hangup_participant_tag == "LEG-A"
    assert new.call_details.leg_a_call_id() == "0edf7af5-6934-4c3b-9c38-740e142974a3"
    assert new.call_details.transaction_attributes == {"key1": "val1*", "key2": "val2*", "key3": "val3*"}
    digits = SmaEvent.model_validate(
        load_sma_event("ACTION_SUCCESSFUL_SpeakAndGetDigits__awsdocs-dg-speak-and-get-digits.json"))
    assert (digits.action_type, digits.action_data.received_digits) == ("SpeakAndGetDigits", "1234")


def test_response_builders_follow_the_schema():
    from chalicelib.parts import sma_actions

    actions = assert_valid_sma_response(sma_actions.response(
        sma_actions.speak_and_get_join_digit("c", sma_actions.greeting("Bob", "Dr Ada")),
        sma_actions.join_chime_meeting("c", "token", "m"), sma_actions.hangup("c")), "c")
    gather = actions[0]["Parameters"]
    assert gather["SpeechParameters"]["Text"] == "Hi Bob, you have an appointment with Dr Ada. Press 1 to join the call."
    assert (gather["MinNumberOfDigits"], gather["MaxNumberOfDigits"], gather["InputDigitsRegex"]) == (1, 1, "^1$")
    assert gather["FailureSpeechParameters"]["Text"] and gather["Repeat"] >= 1
    with pytest.raises(ValueError):
        sma_actions.response(*[sma_actions.hangup("c")] * 11)
    assert sma_actions.greeting("", "") == "Hi, you have an appointment with your doctor. Press 1 to join the call."


# --- the captured events against the local stack (no call item for their transactions) -----

def ours(stack, event):
    return as_deployments(event, stack.settings["TELEHEALTH_SIP_MEDIA_APPLICATION_ID"],
                          stack.settings["TELEHEALTH_APP_INSTANCE_ARN"].split(":")[4])


def test_captured_call_answered_for_unknown_transaction_apologises(stack, stack_env, calling_app):
    event = ours(stack, load_sma_event("CALL_ANSWERED__awsdocs-dg-use-create-call-api.json"))
    actions = assert_valid_sma_response(calling_app.sma_handler(event, None), "call-id-1")
    assert [a["Type"] for a in actions] == ["Speak", "Hangup"]
    assert actions[0]["Parameters"]["Text"].startswith("Sorry, we could not find this call")
    assert actions[1]["Parameters"]["SipResponseCode"] == "0"


def test_pressing_1_on_unknown_transaction_apologises(stack, stack_env, calling_app):
    event = ours(stack, load_sma_event("ACTION_SUCCESSFUL_SpeakAndGetDigits__awsdocs-dg-speak-and-get-digits.json"))
    event["ActionData"]["ReceivedDigits"] = "1"
    actions = assert_valid_sma_response(calling_app.sma_handler(event, None), "call-id-1")
    assert [a["Type"] for a in actions] == ["Speak", "Hangup"]


@pytest.mark.parametrize("name", CAPTURED)
def test_every_captured_event_gets_a_valid_response(stack, stack_env, calling_app, name):
    assert_valid_sma_response(calling_app.sma_handler(ours(stack, load_sma_event(name)), None))


@pytest.mark.parametrize("name", CAPTURED)
def test_captured_events_of_another_application_or_account_get_a_hangup(stack, stack_env, calling_app, name):
    """As captured, the events name other SIP media applications and accounts than the
    deployment's: each is refused with a Hangup, and nothing is read or written."""
    foreign_application = load_sma_event(name)
    foreign_account = ours(stack, load_sma_event(name))
    foreign_account["CallDetails"]["AwsAccountId"] = "210987654321"
    other_application = ours(stack, load_sma_event(name))
    other_application["CallDetails"]["SipMediaApplicationId"] = "00000000-0000-0000-0000-000000000000"
    for event in (foreign_application, foreign_account, other_application):
        actions = assert_valid_sma_response(calling_app.sma_handler(event, None))
        assert [a["Type"] for a in actions] == ["Hangup"], (name, actions)


def test_captured_hangup_for_unknown_transaction_is_empty(stack, stack_env, calling_app):
    event = ours(stack, load_sma_event("HANGUP__aws-samples-pstn-audio-workshop-real-capture.json"))
    assert calling_app.sma_handler(event, None) == EMPTY


def test_foreign_events_are_refused_before_any_aws_call(unreachable_aws):
    """Every AWS call fails here, so a refusal that read anything would apologise instead."""
    for event in (sma_event("CALL_ANSWERED", sip_media_application_id="someone-elses"),
                  sma_event("CALL_ANSWERED", account="210987654321"),
                  sma_event("ACTION_SUCCESSFUL", account="210987654321", action_data={
                      "Type": "SpeakAndGetDigits", "Parameters": {"CallId": "call-id-1"}, "ReceivedDigits": "1"})):
        assert handle(unreachable_aws, event) == {"SchemaVersion": "1.0", "Actions": [
            {"Type": "Hangup", "Parameters": {"CallId": "call-id-1", "SipResponseCode": "0"}}]}
