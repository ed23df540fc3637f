"""What the endpoint asks IAM for, per request: the action and the resource ARNs (no stack needed)."""
from __future__ import annotations

import io
import json
from typing import Any

from telehealth_local.iam.requests import authorization, signed_request

ACCOUNT = "123456789012"
APP = f"arn:aws:chime:us-east-1:{ACCOUNT}:app-instance/app-1"


def environ(service: str, *, method: str = "POST", path: str = "/", body: bytes = b"", **headers: str) -> dict[str, Any]:
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "RAW_URI": path, "CONTENT_LENGTH": str(len(body)),
           "wsgi.input": io.BytesIO(body), "HTTP_X_AMZ_SECURITY_TOKEN": "token",
           "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261201/us-east-1/{service}/aws4_request, "
                                 "SignedHeaders=host, Signature=0"}
    env.update(headers)
    return env


def asked(env: dict[str, Any]) -> tuple[str, set[str]]:
    request = signed_request(env)
    assert request is not None and request.session_token == "token"
    wanted = authorization(request, ACCOUNT)
    assert wanted is not None
    return wanted.action, set(wanted.resources)


def test_dynamodb_query_on_an_index_names_the_index_alone() -> None:
    """AWS authorizes a query of an index on the index's ARN (a grant on the table alone does
    not cover it, and one on the index alone suffices)."""
    body = json.dumps({"TableName": "t", "IndexName": "doctor-index", "KeyConditionExpression": "x"}).encode()
    env = environ("dynamodb", body=body, HTTP_X_AMZ_TARGET="DynamoDB_20120810.Query",
                  CONTENT_TYPE="application/x-amz-json-1.0")
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t"
    assert asked(env) == ("dynamodb:Query", {f"{table}/index/doctor-index"})
    assert env["wsgi.input"].read() == body  # the application behind still reads the body


def test_a_transaction_is_asked_item_by_item() -> None:
    from telehealth_local.iam.requests import authorizations

    body = json.dumps({"TransactItems": [
        {"Put": {"TableName": "t", "Item": {}}}, {"Update": {"TableName": "u", "Key": {}}},
        {"ConditionCheck": {"TableName": "t", "Key": {}}}]}).encode()
    env = environ("dynamodb", body=body, HTTP_X_AMZ_TARGET="DynamoDB_20120810.TransactWriteItems",
                  CONTENT_TYPE="application/x-amz-json-1.0")
    wanted = authorizations(signed_request(env), ACCOUNT)
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/"
    assert [(w.action, w.resources) for w in wanted] == [
        ("dynamodb:PutItem", (table + "t",)), ("dynamodb:UpdateItem", (table + "u",)),
        ("dynamodb:ConditionCheckItem", (table + "t",))]


def test_chime_rest_calls_name_the_channel_and_the_bearer() -> None:
    channel = f"{APP}/channel/c-1"
    quoted = channel.replace(":", "%3A").replace("/", "%2F")
    env = environ("chime", path=f"/channels/{quoted}/messages", body=b'{"Content": "hi", "Type": "STANDARD"}',
                  CONTENT_TYPE="application/json", HTTP_X_AMZ_CHIME_BEARER=f"{APP}/user/admin")
    assert asked(env) == ("chime:SendChannelMessage", {channel, f"{APP}/user/admin"})


def test_an_action_without_resource_types_is_asked_on_star() -> None:
    env = environ("chime", path="/meetings", body=b'{"ClientRequestToken": "t", "MediaRegion": "us-east-1"}',
                  CONTENT_TYPE="application/json")
    assert asked(env) == ("chime:CreateMeeting", {"*"})


def test_query_protocol_actions_name_the_role() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/telehealth-local-messaging-session"
    body = f"Action=AssumeRole&Version=2011-06-15&RoleArn={role}&RoleSessionName=s".encode()
    env = environ("sts", body=body, CONTENT_TYPE="application/x-www-form-urlencoded; charset=utf-8")
    assert asked(env) == ("sts:AssumeRole", {role})


def test_a_resource_the_request_does_not_name_is_asked_on_star() -> None:
    # BatchGetItem names its tables inside RequestItems: evaluated on "*" (fail closed for scoped grants).
    body = json.dumps({"RequestItems": {"t": {"Keys": []}}}).encode()
    env = environ("dynamodb", body=body, HTTP_X_AMZ_TARGET="DynamoDB_20120810.BatchGetItem")
    assert asked(env) == ("dynamodb:BatchGetItem", {"*"})


def test_unsigned_requests_have_no_signer() -> None:
    assert signed_request({"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": ""}) is None
