"""The SIP media application call simulator: events a handler receives, actions carried out, the callee's controls."""
from __future__ import annotations

import threading
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from telehealth_local.emulator.chime_voice import (
    LOCAL_PHONE_NUMBER,
    CallInputError,
    CallNotFound,
    CallStateError,
)
from telehealth_local.lambdas import LambdaInvocationError

ACCOUNT, REGION = "123456789012", "us-east-1"
PATIENT_PHONE = "+14155550123"
HANDLER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:telehealth-calling-local-sma_handler"
PROMPT = "Hi Bob, you have an appointment with Dr Ada. Press 1 to join the call."
SORRY = "Sorry, that was not 1."

# Key sets of the real example events in /work/shared/reference/sma-events/ (developer guide
# samples and the aws-samples workshop's real HANGUP capture). The guide's older samples say
# SipApplicationId; the real capture (and current docs) say SipMediaApplicationId, used here.
# SipRuleId only exists for inbound calls (SIP rules route those).
REFERENCE_TOP = {"SchemaVersion", "Sequence", "InvocationEventType", "CallDetails"}
REFERENCE_DETAILS = {"TransactionId", "AwsAccountId", "AwsRegion", "SipMediaApplicationId", "Participants"}
REFERENCE_PARTICIPANT_DIALING = {"CallId", "ParticipantTag", "To", "From", "Direction", "StartTimeInMilliseconds"}
REFERENCE_PARTICIPANT = REFERENCE_PARTICIPANT_DIALING | {"Status"}
REFERENCE_SPEAK_AND_GET_DIGITS_SUCCESS = {"Type", "Parameters", "ReceivedDigits"}
REFERENCE_HANGUP_PARAMETERS = {"SipResponseCode", "CallId", "ParticipantTag"}


def respond(*actions: dict, **extra: Any) -> dict:
    return {"SchemaVersion": "1.0", "Actions": list(actions), **extra}


def leg(event: dict, tag: str = "LEG-A") -> dict:
    return next(p for p in event["CallDetails"]["Participants"] if p["ParticipantTag"] == tag)


class FakeSmaHandler:
    """Plays the calling service's SMA handler: prompt on answer, join the meeting on 1, nothing otherwise.

    `on` replaces the behaviour for one event type: a function of the event returning the
    response (or raising, as a crashing handler would).
    """

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.functions: list[str] = []
        self.meeting_id: str | None = None
        self.join_token: str | None = None
        self.repeat = 1
        self.on: dict[str, Callable[[dict], Any]] = {}
        self._lock = threading.Lock()

    def invoke(self, function: str, event: dict) -> Any:
        with self._lock:
            self.functions.append(function)
            self.events.append(event)
        kind = event["InvocationEventType"]
        if kind in self.on:
            return self.on[kind](event)
        call_id = leg(event)["CallId"]
        if kind == "CALL_ANSWERED":
            return respond(
                {"Type": "Pause", "Parameters": {"CallId": call_id, "DurationInMilliseconds": "1000"}},
                {"Type": "SpeakAndGetDigits", "Parameters": {
                    "CallId": call_id, "InputDigitsRegex": "^1$", "MinNumberOfDigits": 1, "MaxNumberOfDigits": 1,
                    "Repeat": self.repeat, "SpeechParameters": {"Text": PROMPT, "Engine": "neural"},
                    "FailureSpeechParameters": {"Text": SORRY}}},
                TransactionAttributes={"state": "prompted"})
        data = event.get("ActionData") or {}
        if kind == "ACTION_SUCCESSFUL" and data.get("Type") == "SpeakAndGetDigits" and data.get("ReceivedDigits") == "1":
            return respond({"Type": "JoinChimeMeeting", "Parameters": {
                "CallId": call_id, "JoinToken": self.join_token, "MeetingId": self.meeting_id}})
        return respond()

    def types(self) -> list[str]:
        return [e["InvocationEventType"] for e in self.events]

    def last(self, kind: str) -> dict:
        return [e for e in self.events if e["InvocationEventType"] == kind][-1]


@pytest.fixture
def calls(emulator):
    """The call simulator of this test's emulator."""
    return emulator.calls


@pytest.fixture
def handler(calls):
    fake = FakeSmaHandler()
    calls.configure(fake, invocation_timeout=10.0, wait_timeout=10.0)
    return fake


@pytest.fixture
def voice(boto_client):
    return boto_client("chime-sdk-voice")


@pytest.fixture
def sma_id(voice) -> str:
    return voice.create_sip_media_application(
        AwsRegion=REGION, Name="telehealth-local-sma", Endpoints=[{"LambdaArn": HANDLER_ARN}],
    )["SipMediaApplication"]["SipMediaApplicationId"]


@pytest.fixture
def meeting(boto_client, handler) -> dict:
    """A meeting and the patient's phone attendee; the fake handler joins with its token."""
    client = boto_client("chime-sdk-meetings")
    meeting = client.create_meeting(MediaRegion=REGION, ExternalMeetingId="appointment-1")["Meeting"]
    attendee = client.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="(phone) patient-1")["Attendee"]
    handler.meeting_id, handler.join_token = meeting["MeetingId"], attendee["JoinToken"]
    return {"meeting": meeting, "attendee": attendee}


def dial(calls, voice, sma_id: str, **arguments: str) -> str:
    call = voice.create_sip_media_application_call(
        FromPhoneNumber=LOCAL_PHONE_NUMBER, ToPhoneNumber=PATIENT_PHONE, SipMediaApplicationId=sma_id,
        ArgumentsMap=arguments)
    transaction_id = call["SipMediaApplicationCall"]["TransactionId"]
    calls.wait_idle(transaction_id)
    return transaction_id


def connection(emulator, meeting: dict) -> str | None:
    return emulator.meetings.attendee_connection(ACCOUNT, REGION, meeting["meeting"]["MeetingId"],
                                        meeting["attendee"]["AttendeeId"])


# --- the happy path ---------------------------------------------------------------------

def test_dial_sends_new_outbound_call_then_ringing(calls, voice, sma_id, handler):
    transaction_id = dial(calls, voice, sma_id, appointment="a-1")
    assert handler.types() == ["NEW_OUTBOUND_CALL", "RINGING"]
    assert set(handler.functions) == {HANDLER_ARN}
    new_call = handler.events[0]
    assert new_call["ActionData"] == {"Type": "CallCreateRequest", "Parameters": {"Arguments": {"appointment": "a-1"}}}
    assert [e["Sequence"] for e in handler.events] == [1, 2]
    for event in handler.events:
        assert set(event) - {"ActionData"} == REFERENCE_TOP
        assert event["SchemaVersion"] == "1.0"
        details = event["CallDetails"]
        assert set(details) == REFERENCE_DETAILS
        assert (details["TransactionId"], details["AwsAccountId"], details["AwsRegion"],
                details["SipMediaApplicationId"]) == (transaction_id, ACCOUNT, REGION, sma_id)
        [participant] = details["Participants"]
        assert set(participant) == REFERENCE_PARTICIPANT_DIALING
        assert (participant["To"], participant["From"], participant["Direction"]) == (
            PATIENT_PHONE, LOCAL_PHONE_NUMBER, "Outbound")
        assert isinstance(participant["StartTimeInMilliseconds"], str)
    [listed] = calls.list_calls()
    assert listed["transaction_id"] == transaction_id
    assert (listed["from"], listed["to"], listed["status"]) == (LOCAL_PHONE_NUMBER, PATIENT_PHONE, "ringing")
    assert listed["events"] == ["NEW_OUTBOUND_CALL", "RINGING"] and listed["spoken"] == []


def test_answer_digits_join_hangup(emulator, calls, voice, sma_id, handler, meeting):
    transaction_id = dial(calls, voice, sma_id)

    answered = calls.answer(transaction_id)
    assert answered["status"] == "answered" and answered["awaiting_digits"]
    assert answered["spoken"] == [PROMPT]
    event = handler.last("CALL_ANSWERED")
    assert set(event) == REFERENCE_TOP and set(leg(event)) == REFERENCE_PARTICIPANT
    assert leg(event)["Status"] == "Connected"

    joined = calls.digits(transaction_id, "1")
    assert joined["status"] == "joined"
    assert joined["meeting_id"] == meeting["meeting"]["MeetingId"]
    assert joined["attendee_id"] == meeting["attendee"]["AttendeeId"]
    assert connection(emulator, meeting) == "phone"
    gathered, joined_event = [e for e in handler.events if e["InvocationEventType"] == "ACTION_SUCCESSFUL"]
    assert set(gathered["ActionData"]) == REFERENCE_SPEAK_AND_GET_DIGITS_SUCCESS
    assert gathered["ActionData"]["Type"] == "SpeakAndGetDigits" and gathered["ActionData"]["ReceivedDigits"] == "1"
    assert gathered["CallDetails"]["TransactionAttributes"] == {"state": "prompted"}
    assert joined_event["ActionData"]["Type"] == "JoinChimeMeeting"
    assert [p["ParticipantTag"] for p in joined_event["CallDetails"]["Participants"]] == ["LEG-A", "LEG-B"]

    ended = calls.hangup(transaction_id)
    assert ended["status"] == "ended" and ended["end_reason"] == "callee_hangup"
    assert connection(emulator, meeting) is None
    hangup_a, hangup_b = [e for e in handler.events if e["InvocationEventType"] == "HANGUP"]
    assert hangup_a["ActionData"] == {"Type": "Hangup", "Parameters": {
        "SipResponseCode": 0, "CallId": leg(hangup_a)["CallId"], "ParticipantTag": "LEG-A"}}
    assert set(hangup_a["ActionData"]["Parameters"]) == REFERENCE_HANGUP_PARAMETERS
    assert leg(hangup_a)["Status"] == "Disconnected"
    assert hangup_b["ActionData"]["Parameters"]["ParticipantTag"] == "LEG-B"
    assert ended["events"] == ["NEW_OUTBOUND_CALL", "RINGING", "CALL_ANSWERED", "ACTION_SUCCESSFUL",
                               "ACTION_SUCCESSFUL", "HANGUP", "HANGUP"]
    sequences = [e["Sequence"] for e in handler.events]
    assert sequences == list(range(1, len(handler.events) + 1))
    assert all(e["CallDetails"]["TransactionId"] == transaction_id for e in handler.events)


def test_hangup_before_answer_is_a_486(calls, voice, sma_id, handler):
    transaction_id = dial(calls, voice, sma_id)
    ended = calls.hangup(transaction_id)
    assert ended["status"] == "ended"
    assert handler.last("HANGUP")["ActionData"]["Parameters"]["SipResponseCode"] == 486


# --- digits ------------------------------------------------------------------------------

def test_wrong_digits_repeat_then_fail(calls, voice, sma_id, handler):
    handler.repeat = 2
    transaction_id = dial(calls, voice, sma_id)
    calls.answer(transaction_id)
    retry = calls.digits(transaction_id, "7")
    assert retry["awaiting_digits"] and retry["spoken"] == [PROMPT, SORRY, PROMPT]
    assert handler.types()[-1] == "CALL_ANSWERED"  # a retry is not reported to the handler
    failed = calls.digits(transaction_id, "9")
    assert not failed["awaiting_digits"] and failed["status"] == "answered"
    event = handler.last("ACTION_FAILED")
    assert event["ActionData"]["Type"] == "SpeakAndGetDigits"
    assert event["ActionData"]["ReceivedDigits"] == "9"
    assert event["ActionData"]["ErrorType"] and event["ActionData"]["ErrorMessage"]


def test_terminator_and_maximum_digits(calls, voice, sma_id, handler):
    handler.on["CALL_ANSWERED"] = lambda e: respond({"Type": "SpeakAndGetDigits", "Parameters": {
        "CallId": leg(e)["CallId"], "SpeechParameters": {"Text": "Enter your code"},
        "MinNumberOfDigits": 2, "MaxNumberOfDigits": 4, "TerminatorDigits": ["#"]}})
    transaction_id = dial(calls, voice, sma_id)
    calls.answer(transaction_id)
    calls.digits(transaction_id, "12#9")
    assert handler.last("ACTION_SUCCESSFUL")["ActionData"]["ReceivedDigits"] == "12"


def test_digits_without_a_gather_are_digits_received(calls, voice, sma_id, handler):
    handler.on["CALL_ANSWERED"] = lambda e: respond()
    transaction_id = dial(calls, voice, sma_id)
    calls.answer(transaction_id)
    calls.digits(transaction_id, "5*")
    event = handler.last("DIGITS_RECEIVED")
    assert event["ActionData"]["ReceivedDigits"] == "5*"
    assert event["ActionData"]["Type"] == "ReceiveDigits"


# --- actions -----------------------------------------------------------------------------

def test_an_action_list_reports_success_once_with_its_last_action(calls, voice, sma_id, handler):
    handler.on["CALL_ANSWERED"] = lambda e: respond(
        {"Type": "Speak", "Parameters": {"CallId": leg(e)["CallId"], "Text": "One"}},
        {"Type": "Pause", "Parameters": {"DurationInMilliseconds": 500}},
        {"Type": "Speak", "Parameters": {"ParticipantTag": "LEG-A", "Text": "Two"}})
    transaction_id = dial(calls, voice, sma_id)
    answered = calls.answer(transaction_id)
    assert answered["spoken"] == ["One", "Two"]
    assert handler.types()[-2:] == ["CALL_ANSWERED", "ACTION_SUCCESSFUL"]
    assert handler.last("ACTION_SUCCESSFUL")["ActionData"] == {
        "Type": "Speak", "Parameters": {"ParticipantTag": "LEG-A", "Text": "Two"}}


def test_a_failed_action_drops_the_rest_of_the_list(calls, voice, sma_id, handler):
    handler.on["CALL_ANSWERED"] = lambda e: respond(
        {"Type": "Speak", "Parameters": {"CallId": leg(e)["CallId"], "Text": "One"}},
        {"Type": "PlayAudio", "Parameters": {"AudioSource": {"Type": "S3", "BucketName": "b", "Key": "k.wav"}}},
        {"Type": "Speak", "Parameters": {"CallId": leg(e)["CallId"], "Text": "Never"}})
    transaction_id = dial(calls, voice, sma_id)
    answered = calls.answer(transaction_id)
    assert answered["spoken"] == ["One"]
    failed = handler.last("ACTION_FAILED")["ActionData"]
    assert failed["Type"] == "PlayAudio" and failed["ErrorType"] == "SystemException"


@pytest.mark.parametrize("action", [
    {"Type": "Speak", "Parameters": {"CallId": "no-such-call", "Text": "Hi"}},
    {"Type": "Speak", "Parameters": {"ParticipantTag": "LEG-A"}},
    {"Type": "Pause", "Parameters": {"DurationInMilliseconds": "soon"}},
    {"Type": "SpeakAndGetDigits", "Parameters": {"SpeechParameters": {"Text": "Press 1"}}},
    {"Type": "Hangup", "Parameters": {"SipResponseCode": 0}},
])
def test_bad_action_parameters_fail_the_action(calls, voice, sma_id, handler, action):
    handler.on["CALL_ANSWERED"] = lambda e: respond(action)
    transaction_id = dial(calls, voice, sma_id)
    answered = calls.answer(transaction_id)
    assert answered["status"] == "answered"
    data = handler.last("ACTION_FAILED")["ActionData"]
    assert data["Type"] == action["Type"] and data["ErrorType"] == "InvalidActionParameter"


def test_join_with_a_bad_token_fails_the_action(emulator, calls, voice, sma_id, handler, meeting):
    handler.join_token = "not-a-join-token"
    transaction_id = dial(calls, voice, sma_id)
    calls.answer(transaction_id)
    state = calls.digits(transaction_id, "1")
    assert state["status"] == "answered" and state["meeting_id"] is None
    data = handler.last("ACTION_FAILED")["ActionData"]
    assert data["Type"] == "JoinChimeMeeting"
    assert (data["ErrorType"], data["ErrorMessage"]) == ("InvalidActionParameter", "JoinToken parameter value is invalid.")
    assert connection(emulator, meeting) is None


def test_handler_hangup_ends_the_call(calls, voice, sma_id, handler):
    handler.on["CALL_ANSWERED"] = lambda e: respond(
        {"Type": "Speak", "Parameters": {"CallId": leg(e)["CallId"], "Text": "Sorry, goodbye."}},
        {"Type": "Hangup", "Parameters": {"SipResponseCode": "480", "ParticipantTag": "LEG-A"}},
        {"Type": "Speak", "Parameters": {"CallId": leg(e)["CallId"], "Text": "Never"}})
    transaction_id = dial(calls, voice, sma_id)
    ended = calls.answer(transaction_id)
    assert ended["status"] == "ended" and ended["end_reason"] == "application_hangup"
    assert ended["spoken"] == ["Sorry, goodbye."]
    assert handler.types()[-1] == "HANGUP"
    assert handler.last("HANGUP")["ActionData"]["Parameters"]["SipResponseCode"] == 480
    with pytest.raises(CallStateError):
        calls.hangup(transaction_id)


def test_handler_hangs_up_the_meeting_leg_only(emulator, calls, voice, sma_id, handler, meeting):
    transaction_id = dial(calls, voice, sma_id)
    calls.answer(transaction_id)
    calls.digits(transaction_id, "1")
    handler.on["CALL_UPDATE_REQUESTED"] = lambda e: respond(
        {"Type": "Hangup", "Parameters": {"CallId": leg(e, "LEG-B")["CallId"], "SipResponseCode": "0"}})
    calls.request_update(ACCOUNT, REGION, calls.get_call(transaction_id)["sip_media_application_id"],
                                   transaction_id, {"leave": "meeting"})
    state = calls.wait_idle(transaction_id)
    assert state["status"] == "answered" and connection(emulator, meeting) is None
    success = handler.last("ACTION_SUCCESSFUL")
    assert success["ActionData"]["Type"] == "Hangup"
    assert (leg(success)["Status"], leg(success, "LEG-B")["Status"]) == ("Connected", "Disconnected")


def test_meeting_ending_drops_the_meeting_leg(calls, boto_client, voice, sma_id, handler, meeting):
    # What the calling service's handler does: LEG-B gone while LEG-A is connected -> hang up LEG-A.
    def on_hangup(event):
        if event["ActionData"]["Parameters"]["ParticipantTag"] == "LEG-B" and leg(event)["Status"] == "Connected":
            return respond({"Type": "Hangup", "Parameters": {"CallId": leg(event)["CallId"], "SipResponseCode": "0"}})
        return respond()

    handler.on["HANGUP"] = on_hangup
    transaction_id = dial(calls, voice, sma_id)
    calls.answer(transaction_id)
    calls.digits(transaction_id, "1")
    boto_client("chime-sdk-meetings").delete_meeting(MeetingId=meeting["meeting"]["MeetingId"])
    state = calls.wait_idle(transaction_id)
    assert state["status"] == "ended" and state["end_reason"] == "application_hangup"
    hangup_b, hangup_a = [e for e in handler.events if e["InvocationEventType"] == "HANGUP"]
    assert hangup_b["ActionData"]["Parameters"]["ParticipantTag"] == "LEG-B"
    assert (leg(hangup_b)["Status"], leg(hangup_b, "LEG-B")["Status"]) == ("Connected", "Disconnected")
    assert hangup_a["ActionData"]["Parameters"] == {
        "SipResponseCode": 0, "CallId": leg(hangup_a)["CallId"], "ParticipantTag": "LEG-A"}


def test_handler_deleting_the_attendee_on_hangup_adds_no_events(calls, boto_client, voice, sma_id, handler, meeting):
    client = boto_client("chime-sdk-meetings")

    def on_hangup(event):
        if event["ActionData"]["Parameters"]["ParticipantTag"] == "LEG-A":
            client.delete_attendee(MeetingId=meeting["meeting"]["MeetingId"],
                                   AttendeeId=meeting["attendee"]["AttendeeId"])
        return respond()

    handler.on["HANGUP"] = on_hangup
    transaction_id = dial(calls, voice, sma_id)
    calls.answer(transaction_id)
    calls.digits(transaction_id, "1")
    calls.hangup(transaction_id)
    state = calls.wait_idle(transaction_id)
    assert state["events"][-2:] == ["HANGUP", "HANGUP"] and state["end_reason"] == "callee_hangup"
    assert state["errors"] == []


# --- transaction attributes ----------------------------------------------------------------

def test_transaction_attributes_replace_keep_and_clear(calls, voice, sma_id, handler):
    # Each response speaks (so an ACTION_SUCCESSFUL follows) and sets these attributes
    # (None: the key is left out); the last response ends the exchange.
    script = [{"a": "1"}, None, {"b": "2"}, {}]

    def next_step(event):
        if not script:
            return respond()
        attributes = script.pop(0)
        response = respond({"Type": "Speak", "Parameters": {"CallId": leg(event)["CallId"], "Text": "."}})
        if attributes is not None:
            response["TransactionAttributes"] = attributes
        return response

    handler.on["CALL_ANSWERED"] = next_step
    handler.on["ACTION_SUCCESSFUL"] = next_step
    transaction_id = dial(calls, voice, sma_id)
    state = calls.answer(transaction_id)
    seen = [e["CallDetails"].get("TransactionAttributes") for e in handler.events
            if e["InvocationEventType"] == "ACTION_SUCCESSFUL"]
    assert seen == [{"a": "1"}, {"a": "1"}, {"b": "2"}, None]
    assert state["status"] == "answered" and state["errors"] == []


def test_too_many_transaction_attributes_is_an_invalid_response(calls, voice, sma_id, handler):
    handler.on["CALL_ANSWERED"] = lambda e: respond(TransactionAttributes={f"k{i}": "v" for i in range(11)})
    transaction_id = dial(calls, voice, sma_id)
    state = calls.answer(transaction_id)
    event = handler.last("INVALID_LAMBDA_RESPONSE")
    assert event["ErrorType"] == "TransactionAttributesInvalidMapSize"
    assert "TransactionAttributes" not in event["CallDetails"]
    assert state["status"] == "answered"
    assert state["errors"][0]["error_type"] == "TransactionAttributesInvalidMapSize"


# --- invalid responses and failing handlers ------------------------------------------------

@pytest.mark.parametrize("response,error_type", [
    ({"SchemaVersion": "2.0", "Actions": []}, "InvalidSchemaVersion"),
    ({"SchemaVersion": "1.0", "Actions": [{"Type": "Dance", "Parameters": {}}]}, "UnsupportedAction"),
    ({"SchemaVersion": "1.0", "Actions": [{"Type": "Pause", "Parameters": {"DurationInMilliseconds": 1}}] * 11},
     "InvalidActionList"),
    ({"SchemaVersion": "1.0", "Actions": "Speak"}, "InvalidActionList"),
    (None, "InvalidResponse"),
])
def test_invalid_response_gets_invalid_lambda_response(calls, voice, sma_id, handler, response, error_type):
    handler.on["CALL_ANSWERED"] = lambda e: response
    handler.on["INVALID_LAMBDA_RESPONSE"] = lambda e: respond(
        {"Type": "Speak", "Parameters": {"CallId": leg(e)["CallId"], "Text": "Recovered"}})
    transaction_id = dial(calls, voice, sma_id)
    state = calls.answer(transaction_id)
    event = handler.last("INVALID_LAMBDA_RESPONSE")
    assert event["ErrorType"] == error_type and event["ErrorMessage"]
    assert "ActionData" not in event
    assert state["spoken"] == ["Recovered"] and state["status"] == "answered"
    assert [e["event"] for e in state["errors"]] == ["CALL_ANSWERED"]


def test_invalid_twice_in_a_row_ends_the_call(calls, voice, sma_id, handler):
    handler.on["CALL_ANSWERED"] = lambda e: {"SchemaVersion": "9"}
    handler.on["INVALID_LAMBDA_RESPONSE"] = lambda e: {"SchemaVersion": "9"}
    transaction_id = dial(calls, voice, sma_id)
    state = calls.answer(transaction_id)
    assert state["status"] == "ended" and state["end_reason"] == "invalid_response"
    assert state["events"][-2:] == ["INVALID_LAMBDA_RESPONSE", "HANGUP"]


def test_a_raising_handler_ends_its_call_but_not_the_simulator(calls, voice, sma_id, handler):
    def crash(event):
        raise LambdaInvocationError(HANDLER_ARN, "KeyError", "'TransactionAttributes'")

    handler.on["CALL_ANSWERED"] = crash
    broken = dial(calls, voice, sma_id)
    state = calls.answer(broken)
    assert state["status"] == "ended" and state["end_reason"] == "handler_error"
    assert state["errors"] == [{"event": "CALL_ANSWERED", "error_type": "KeyError", "message": "'TransactionAttributes'"}]
    assert state["events"] == ["NEW_OUTBOUND_CALL", "RINGING", "CALL_ANSWERED"]

    del handler.on["CALL_ANSWERED"]
    healthy = dial(calls, voice, sma_id)
    assert calls.answer(healthy)["spoken"] == [PROMPT]
    assert {c["transaction_id"]: c["status"] for c in calls.list_calls()} == {broken: "ended", healthy: "answered"}


def test_a_handler_that_never_answers_times_out(calls, voice, sma_id, handler):
    release = threading.Event()
    handler.on["CALL_ANSWERED"] = lambda e: release.wait(10) and respond()
    calls.configure(invocation_timeout=0.2)
    try:
        transaction_id = dial(calls, voice, sma_id)
        state = calls.answer(transaction_id)
        assert state["status"] == "ended" and state["errors"][0]["error_type"] == "Timeout"
    finally:
        release.set()


# --- UpdateSipMediaApplicationCall ---------------------------------------------------------

def test_update_call_interrupts_a_pending_gather(calls, voice, sma_id, handler):
    handler.on["CALL_UPDATE_REQUESTED"] = lambda e: respond(
        {"Type": "Speak", "Parameters": {"CallId": leg(e)["CallId"], "Text": "The doctor has left."}})
    transaction_id = dial(calls, voice, sma_id)
    calls.answer(transaction_id)
    updated = voice.update_sip_media_application_call(
        SipMediaApplicationId=sma_id, TransactionId=transaction_id, Arguments={"reason": "cancelled"})
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert updated["SipMediaApplicationCall"]["TransactionId"] == transaction_id
    state = calls.wait_idle(transaction_id)
    assert handler.types()[-3:] == ["CALL_UPDATE_REQUESTED", "ACTION_INTERRUPTED", "ACTION_SUCCESSFUL"]
    assert handler.last("CALL_UPDATE_REQUESTED")["ActionData"] == {
        "Type": "CallUpdateRequest", "Parameters": {"Arguments": {"reason": "cancelled"}}}
    assert handler.last("ACTION_INTERRUPTED")["ActionData"]["Type"] == "SpeakAndGetDigits"
    assert state["spoken"][-1] == "The doctor has left." and not state["awaiting_digits"]


def test_update_call_with_no_actions_keeps_the_gather(calls, voice, sma_id, handler):
    transaction_id = dial(calls, voice, sma_id)
    calls.answer(transaction_id)
    voice.update_sip_media_application_call(SipMediaApplicationId=sma_id, TransactionId=transaction_id,
                                            Arguments={})
    assert calls.wait_idle(transaction_id)["awaiting_digits"]
    assert "ACTION_INTERRUPTED" not in handler.types()


def test_update_unknown_or_ended_call_is_not_found(calls, voice, sma_id, handler):
    transaction_id = dial(calls, voice, sma_id)
    calls.hangup(transaction_id)
    for tid in (transaction_id, "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(ClientError) as excinfo:
            voice.update_sip_media_application_call(SipMediaApplicationId=sma_id, TransactionId=tid, Arguments={})
        assert excinfo.value.response["Error"]["Code"] == "NotFoundException"


# --- the control operations ----------------------------------------------------------------

def test_control_errors(calls, voice, sma_id, handler):
    with pytest.raises(CallNotFound):
        calls.answer("no-such-call")
    with pytest.raises(CallNotFound):
        calls.get_call("no-such-call")
    transaction_id = dial(calls, voice, sma_id)
    with pytest.raises(CallStateError):
        calls.digits(transaction_id, "1")
    with pytest.raises(CallInputError):
        calls.digits(transaction_id, "1a")
    with pytest.raises(CallInputError):
        calls.digits(transaction_id, "")
    calls.answer(transaction_id)
    with pytest.raises(CallStateError):
        calls.answer(transaction_id)
    calls.hangup(transaction_id)
    for operation in (calls.answer, calls.hangup, lambda tid: calls.digits(tid, "1")):
        with pytest.raises(CallStateError):
            operation(transaction_id)


def test_queued_work_is_processed_in_order(calls, voice, sma_id, handler, meeting):
    call = voice.create_sip_media_application_call(
        FromPhoneNumber=LOCAL_PHONE_NUMBER, ToPhoneNumber=PATIENT_PHONE, SipMediaApplicationId=sma_id)
    transaction_id = call["SipMediaApplicationCall"]["TransactionId"]
    calls.answer(transaction_id, wait=False)
    calls.digits(transaction_id, "1", wait=False)
    calls.hangup(transaction_id, wait=False)
    state = calls.wait_idle(transaction_id)
    assert state["events"] == ["NEW_OUTBOUND_CALL", "RINGING", "CALL_ANSWERED", "ACTION_SUCCESSFUL",
                               "ACTION_SUCCESSFUL", "HANGUP", "HANGUP"]
    assert state["status"] == "ended"


def test_full_events_are_kept_for_inspection(calls, voice, sma_id, handler):
    transaction_id = dial(calls, voice, sma_id)
    kept = calls.get_call(transaction_id, with_events=True)["event_log"]
    assert kept == handler.events
