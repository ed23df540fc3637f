"""The control API (docs/api/README.md, the local stack's control API): outbox and call shapes, the callee's
answer/digits/hangup, and its error answers; plus the extensions (clearing the outbox,
one call, outputs, Lambda workers)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from stack_fixture import start_stack, wait_for

pytestmark = pytest.mark.timeout(120)

FIXTURE_SERVICES = Path(__file__).parent / "fixtures" / "services"
PATIENT_PHONE = "+12025550177"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture(scope="module")
def stack():
    with start_stack(services_root=FIXTURE_SERVICES) as running:
        yield running


def _send_sms(stack, to: str, body: str) -> None:
    stack.client("pinpoint-sms-voice-v2").send_text_message(
        DestinationPhoneNumber=to, OriginationIdentity=stack.settings["TELEHEALTH_SMS_ORIGINATION_IDENTITY"],
        MessageBody=body, MessageType="TRANSACTIONAL",
        ConfigurationSetName=stack.settings["TELEHEALTH_SMS_CONFIGURATION_SET"])


def _dial(stack, to: str = PATIENT_PHONE) -> str:
    response = stack.client("chime-sdk-voice").create_sip_media_application_call(
        FromPhoneNumber=stack.settings["TELEHEALTH_PHONE_NUMBER"], ToPhoneNumber=to,
        SipMediaApplicationId=stack.settings["TELEHEALTH_SIP_MEDIA_APPLICATION_ID"])
    return response["SipMediaApplicationCall"]["TransactionId"]


def test_health(stack):
    response = stack.control("GET", "health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_sms_outbox_lists_sent_texts_oldest_first(stack):
    _send_sms(stack, "+12025550181", "first")
    _send_sms(stack, "+12025550182", "second")
    response = stack.control("GET", "outbox/sms")
    assert response.status_code == 200
    messages = [m for m in response.json()["messages"] if m["to"] in ("+12025550181", "+12025550182")]
    assert [m["body"] for m in messages] == ["first", "second"]
    for message in messages:
        assert set(message) == {"to", "body", "sent_at", "message_type", "origination_number"}
        assert message["message_type"] == "TRANSACTIONAL"
        assert message["origination_number"] == stack.settings["TELEHEALTH_PHONE_NUMBER"]
        assert ISO_UTC.match(message["sent_at"])


def test_email_outbox_holds_sign_up_codes(stack):
    stack.client("cognito-idp").sign_up(
        ClientId=stack.settings["TELEHEALTH_USER_POOL_CLIENT_ID"], Username="outbox@example.com",
        Password="Correct-Horse-9-Battery")
    response = stack.control("GET", "outbox/email")
    assert response.status_code == 200
    message = next(m for m in response.json()["messages"] if m["to"] == "outbox@example.com")
    assert set(message) == {"to", "subject", "body", "code"}


def test_deleting_the_outbox_empties_both(stack):
    _send_sms(stack, "+12025550184", "to be cleared")
    assert stack.control("DELETE", "outbox").status_code == 200
    assert stack.sms() == [] and stack.emails() == []


def test_a_call_is_answered_keyed_and_ends(stack):
    transaction_id = _dial(stack)
    call = stack.wait_for_call(PATIENT_PHONE)
    assert set(call) >= {"transaction_id", "from", "to", "status", "spoken", "events"}
    assert call["transaction_id"] == transaction_id
    assert call["from"] == stack.settings["TELEHEALTH_PHONE_NUMBER"]
    assert "NEW_OUTBOUND_CALL" in call["events"]

    answered = stack.answer(transaction_id)
    assert answered.status_code == 200
    wait_for(lambda: "Press a key." in stack.call(transaction_id)["spoken"], 10, message="the prompt")
    assert "CALL_ANSWERED" in stack.call(transaction_id)["events"]

    keyed = stack.digits(transaction_id, "7")
    assert keyed.status_code == 200
    ended = wait_for(lambda: (lambda c: c if "HANGUP" in c["events"] else None)(stack.call(transaction_id)), 10,
                     message="the handler to hang up")
    assert "You pressed 7." in ended["spoken"]
    listed = next(c for c in stack.control("GET", "calls").json()["calls"] if c["transaction_id"] == transaction_id)
    assert listed["spoken"] == ended["spoken"]

    # A call that has ended cannot be answered again.
    again = stack.answer(transaction_id)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "Conflict"


def test_the_callee_can_hang_up(stack):
    transaction_id = _dial(stack, "+12025550178")
    stack.wait_for_call("+12025550178")
    assert stack.answer(transaction_id).status_code == 200
    assert stack.hangup(transaction_id).status_code == 200
    call = wait_for(lambda: (lambda c: c if "HANGUP" in c["events"] else None)(stack.call(transaction_id)), 10,
                    message="the hang-up event")
    assert call["status"] != "ringing"


@pytest.mark.parametrize("action", ["answer", "hangup"])
def test_unknown_calls_are_404(stack, action):
    response = stack.control("POST", f"calls/no-such-call/{action}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotFound"
    assert stack.digits("no-such-call", "1").status_code == 404


@pytest.mark.parametrize("kwargs", [
    {},
    {"data": b"not json", "headers": {"Content-Type": "application/json"}},
    {"json": ["1"]},
    {"json": {"digits": ""}},
    {"json": {"digits": "12a"}},
    {"json": {"digits": 1}},
    {"json": {"digits": "1", "extra": True}},
], ids=["no-body", "not-json", "not-object", "empty", "bad-key", "not-string", "extra-field"])
def test_bad_digits_bodies_are_400(stack, kwargs):
    response = stack.control("POST", "calls/no-such-call/digits", **kwargs)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "ValidationError"
    assert error["details"]


def test_unknown_paths_and_methods(stack):
    assert stack.control("GET", "nothing-here").status_code == 404
    wrong_method = stack.control("POST", "health")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "MethodNotAllowed"


def test_outputs_and_workers_extensions(stack):
    outputs = stack.control("GET", "outputs")
    assert outputs.status_code == 200
    assert outputs.json() == stack.settings
    workers = stack.control("GET", "lambda/workers").json()["workers"]
    assert all(isinstance(pid, int) for pids in workers.values() for pid in pids)


def _opted_out(stack) -> list[str]:
    sms = stack.client("pinpoint-sms-voice-v2")
    (number,) = sms.describe_phone_numbers()["PhoneNumbers"]
    listed = sms.describe_opted_out_numbers(OptOutListName=number["OptOutListName"])["OptedOutNumbers"]
    return [n["OptedOutNumber"] for n in listed]


def test_stop_from_a_phone_opts_it_out_and_start_back_in(stack):
    ours, phone = stack.settings["TELEHEALTH_PHONE_NUMBER"], "+12025550183"
    inbound = {"from": phone, "to": ours}
    assert stack.control("POST", "sms/inbound", json={**inbound, "body": "Stop"}).json() == {"action": "opted_out"}
    assert phone in _opted_out(stack)
    with pytest.raises(Exception) as raised:
        _send_sms(stack, phone, "after stop")
    assert raised.value.response["Reason"] == "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert stack.control("POST", "sms/inbound", json={**inbound, "body": "thanks"}).json() == {"action": "none"}
    assert stack.control("POST", "sms/inbound", json={**inbound, "body": "START"}).json() == {"action": "opted_in"}
    assert phone not in _opted_out(stack)
    _send_sms(stack, phone, "after start")
    assert [m["body"] for m in stack.control("GET", "outbox/sms").json()["messages"] if m["to"] == phone] == [
        "after start"]


def test_inbound_to_a_number_that_is_not_ours_is_404(stack):
    response = stack.control("POST", "sms/inbound", json={"from": "+12025550184", "to": "+12025550199", "body": "STOP"})
    assert response.status_code == 404
    assert "+12025550184" not in _opted_out(stack)


@pytest.mark.parametrize("body", [
    {"from": "+12025550184", "to": "+12025550100"},
    {"from": "12025550184", "to": "+12025550100", "body": "STOP"},
    {"from": "+12025550184", "to": 12025550100, "body": "STOP"},
    {"from": "+12025550184", "to": "+12025550100", "body": ""},
    {"from": "+12025550184", "to": "+12025550100", "body": "STOP", "extra": 1},
])
def test_bad_inbound_bodies_are_400(stack, body):
    response = stack.control("POST", "sms/inbound", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ValidationError"
    assert "+12025550184" not in _opted_out(stack)
