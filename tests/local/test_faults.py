"""Fault injection: the share of AWS requests it answers with throttling or 5xx, in each protocol's shape."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from stack_fixture import start_stack


@pytest.fixture(scope="module")
def stack():
    with start_stack(services=[]) as running:
        yield running


def _no_retries(stack, service):
    return stack.client(service, retries={"mode": "standard", "max_attempts": 1})


def _code(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_throttling_and_unavailable_in_each_protocol(stack):
    dynamodb, meetings = _no_retries(stack, "dynamodb"), _no_retries(stack, "chime-sdk-meetings")
    try:
        assert stack.control("POST", "faults", json={"rate": 1, "kinds": ["throttle"]}).status_code == 200
        assert _code(dynamodb.list_tables) == "ThrottlingException"
        assert _code(lambda: meetings.get_meeting(MeetingId="00000000-0000-0000-0000-000000000000")) == "ThrottledClientException"
        stack.control("POST", "faults", json={"rate": 1, "kinds": ["unavailable"]})
        assert _code(dynamodb.list_tables) == "ServiceUnavailable"
        state = stack.control("GET", "faults").json()
        assert state["rate"] == 1 and state["injected"]["unavailable"] >= 1
        # The control API and query-protocol services (STS, IAM) are never faulted.
        assert stack.control("GET", "health").status_code == 200
        assert stack.client("sts").get_caller_identity()["Account"]
    finally:
        assert stack.control("DELETE", "faults").json()["rate"] == 0
    assert "TableNames" in dynamodb.list_tables()


def test_a_share_of_requests_is_faulted_and_retries_absorb_most(stack):
    dynamodb = stack.client("dynamodb")  # standard retries, as the services use
    try:
        stack.control("POST", "faults", json={"rate": 0.3, "seed": 11})
        outcomes = []
        for _ in range(40):
            try:
                dynamodb.list_tables()
                outcomes.append("ok")
            except ClientError as error:
                outcomes.append(error.response["Error"]["Code"])
        injected = stack.control("GET", "faults").json()["injected"]
    finally:
        stack.control("DELETE", "faults")
    assert sum(injected.values()) > 0 and outcomes.count("ok") > 30
    assert set(outcomes) <= {"ok", "ThrottlingException", "ServiceUnavailable"}


@pytest.mark.parametrize("body", [{"rate": 2}, {"rate": 0.1, "kinds": ["meteor"]}, {"rate": "x"}])
def test_bad_settings_are_refused(stack, body):
    response = stack.control("POST", "faults", json=body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "ValidationError"
    assert stack.control("GET", "faults").json()["rate"] == 0


def test_traffic_is_counted_by_operation_and_faulted_requests_are_not(stack):
    dynamodb = _no_retries(stack, "dynamodb")
    stack.control("DELETE", "traffic")
    dynamodb.list_tables()
    dynamodb.list_tables()
    try:
        stack.control("POST", "faults", json={"rate": 1, "kinds": ["throttle"]})
        _code(dynamodb.list_tables)
    finally:
        stack.control("DELETE", "faults")
    meetings = _no_retries(stack, "chime-sdk-meetings")
    _code(lambda: meetings.get_meeting(MeetingId="00000000-0000-0000-0000-000000000000"))
    calls = stack.control("GET", "traffic").json()["calls"]
    assert calls["dynamodb:ListTables"] == 2
    assert calls["chime:GET /meetings/*"] == 1


def test_rest_paths_name_arns_as_one_segment():
    from telehealth_local.control.traffic import operation_name

    arn = "arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Aapp-instance%2Fabc%2Fchannel%2Fdef"
    environ = {"REQUEST_METHOD": "POST", "RAW_URI": f"/channels/{arn}/messages?x=1",
               "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/chime/aws4_request, ..."}
    assert operation_name(environ) == "chime:POST /channels/*/messages"


def test_faults_can_be_aimed_at_named_operations(stack):
    dynamodb = _no_retries(stack, "dynamodb")
    try:
        stack.control("POST", "faults", json={"rate": 1, "kinds": ["unavailable"],
                                              "operations": ["dynamodb:DescribeLimits"]})
        assert "TableNames" in dynamodb.list_tables()
        assert _code(dynamodb.describe_limits) == "ServiceUnavailable"
        assert stack.control("GET", "faults").json()["operations"] == ["dynamodb:DescribeLimits"]
    finally:
        stack.control("DELETE", "faults")
    assert stack.control("POST", "faults", json={"rate": 1, "operations": ["no-colon"]}).status_code == 400
