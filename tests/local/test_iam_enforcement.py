"""IAM on the local stack: callers act with their own role's policies (moto's policy engine),
refusals answer in each service's error shape, the services run as their roles, a grant taken
out of a policy file fails the service's call, and every decision is recorded."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from stack_fixture import start_stack
from telehealth_local.iam.policies import POLICIES_DIR

ACCOUNT = "123456789012"
ROOT = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
NO_RETRY = Config(retries={"max_attempts": 1})


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    with start_stack(services=[]) as running:
        yield running


def role_session(stack: Any, name: str, policy: dict[str, Any]) -> boto3.session.Session:
    """A new role with one inline policy, assumed with the root keys."""
    root = boto3.session.Session(**ROOT)
    iam = root.client("iam", endpoint_url=stack.endpoint_url)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=name, PolicyName="only", PolicyDocument=json.dumps(policy))
    issued = root.client("sts", endpoint_url=stack.endpoint_url).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}", RoleSessionName="held-out-check")["Credentials"]
    return boto3.session.Session(aws_access_key_id=issued["AccessKeyId"], aws_secret_access_key=issued["SecretAccessKey"],
                                 aws_session_token=issued["SessionToken"], region_name="us-east-1")


def refusal(call: Any, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value


def test_a_role_allowed_only_get_item_can_do_nothing_else(stack: Any) -> None:
    settings = stack.settings
    session = role_session(stack, "get-item-only", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]})
    table = settings["TELEHEALTH_APPOINTMENTS_TABLE"]
    dynamodb = session.client("dynamodb", endpoint_url=stack.endpoint_url, config=NO_RETRY)
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"appointment_id": {"S": "none"}})

    denied = refusal(dynamodb.delete_table, TableName=table)
    assert denied.response["Error"]["Code"] == "AccessDeniedException"
    assert "dynamodb:DeleteTable" in denied.response["Error"]["Message"]
    root_dynamodb = boto3.client("dynamodb", endpoint_url=stack.endpoint_url, **ROOT)
    assert root_dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"

    messaging = session.client("chime-sdk-messaging", endpoint_url=stack.endpoint_url, config=NO_RETRY)
    denied = refusal(messaging.send_channel_message, ChannelArn=settings["TELEHEALTH_APP_INSTANCE_ARN"] + "/channel/c1",
                     Content="hello", Type="STANDARD", Persistence="PERSISTENT", ClientRequestToken="token-1",
                     ChimeBearer=settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"])
    assert denied.response["Error"]["Code"] == "ForbiddenException"
    assert denied.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    sts = session.client("sts", endpoint_url=stack.endpoint_url, config=NO_RETRY)
    denied = refusal(sts.assume_role, RoleArn=settings["TELEHEALTH_SESSION_ROLE_ARN"], RoleSessionName="escalate")
    assert denied.response["Error"]["Code"] == "AccessDenied"
    assert sts.get_caller_identity()["Arn"].endswith(":assumed-role/get-item-only/held-out-check")

    usage = stack.control("GET", "iam/usage").json()["usage"]
    mine = {(r["action"], r["outcome"]) for r in usage if r["role"] == "get-item-only"}
    assert mine >= {("dynamodb:GetItem", "allowed"), ("dynamodb:DeleteTable", "denied"),
                    ("chime:SendChannelMessage", "denied"), ("sts:AssumeRole", "denied")}


def test_resource_scoped_grants_are_matched_against_the_resource(stack: Any) -> None:
    settings = stack.settings
    table_arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{settings['TELEHEALTH_CALLS_TABLE']}"
    session = role_session(stack, "calls-table-only", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": table_arn}]})
    dynamodb = session.client("dynamodb", endpoint_url=stack.endpoint_url, config=NO_RETRY)
    key = {"transaction_id": {"S": "none"}}
    assert "Item" not in dynamodb.get_item(TableName=settings["TELEHEALTH_CALLS_TABLE"], Key=key)
    denied = refusal(dynamodb.get_item, TableName=settings["TELEHEALTH_APPOINTMENTS_TABLE"],
                     Key={"appointment_id": {"S": "none"}})
    assert denied.response["Error"]["Code"] == "AccessDeniedException"


def test_unknown_keys_and_unsigned_calls_are_refused(stack: Any) -> None:
    stranger = boto3.client("dynamodb", endpoint_url=stack.endpoint_url, aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                            aws_secret_access_key="x" * 40, region_name="us-east-1", config=NO_RETRY)
    assert refusal(stranger.list_tables).response["Error"]["Code"] == "UnrecognizedClientException"
    unsigned = requests.post(stack.endpoint_url, data="{}", timeout=10, headers={
        "X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"})
    assert unsigned.status_code == 403
    assert unsigned.json()["__type"] == "MissingAuthenticationTokenException"


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads process environments from /proc")
def test_lambda_workers_run_with_their_roles_credentials(stack: Any) -> None:
    workers = stack.control("GET", "lambda/workers").json()["workers"]
    assert workers, "the endpoint prewarms a worker per Lambda service"
    for service, pids in workers.items():
        for pid in pids:
            env = _environ(pid)
            assert env["AWS_ACCESS_KEY_ID"] != "testing"
            caller = boto3.client("sts", endpoint_url=stack.endpoint_url, region_name="us-east-1",
                                  aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                  aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                  aws_session_token=env["AWS_SESSION_TOKEN"]).get_caller_identity()
            assert f":assumed-role/telehealth-local-{service}/" in caller["Arn"]


def test_a_grant_taken_out_of_a_policy_file_fails_the_service_call(tmp_path: Path) -> None:
    """The identity service lists the clinic's patients for an admin with ListUsersInGroup:
    without that grant, 503."""
    from users import make_user

    policies = tmp_path / "policies"
    shutil.copytree(POLICIES_DIR, policies)
    identity = json.loads((policies / "identity.json").read_text())
    for statement in identity["Statement"]:
        actions = statement["Action"]
        statement["Action"] = [a for a in actions if a != "cognito-idp:ListUsersInGroup"]
    assert "cognito-idp:ListUsersInGroup" not in json.dumps(identity)
    (policies / "identity.json").write_text(json.dumps(identity))
    with start_stack(services=["identity"], env={"TELEHEALTH_LOCAL_POLICIES_DIR": str(policies)}) as running:
        admin = make_user(running.settings, "admin")
        response = requests.get(f"{running.url('identity')}/patients", headers=admin.headers, timeout=30)
        assert response.status_code == 503, response.text
        usage = running.control("GET", "iam/usage").json()["usage"]
        assert {(r["role"], r["action"], r["outcome"]) for r in usage} >= {
            ("telehealth-local-identity", "cognito-idp:ListUsersInGroup", "denied")}
        # With the same stack, what the policy does grant still works.
        assert requests.get(f"{running.url('identity')}/me", headers=admin.headers, timeout=30).status_code == 200
