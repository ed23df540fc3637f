"""The endpoint process: routing (control API, emulator, moto), moto's JWKS path, Lambda
invocations through the worker processes (direct, asynchronous, failing, timing out,
crashing) and failing fast on a taken port."""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jwt
import pytest
import requests
from botocore.exceptions import ClientError

from stack_fixture import REPO_ROOT, start_stack, wait_for

pytestmark = pytest.mark.timeout(120)

FIXTURE_SERVICES = Path(__file__).parent / "fixtures" / "services"
PASSWORD = "Correct-Horse-9-Battery"


@pytest.fixture(scope="module")
def stack():
    with start_stack(services_root=FIXTURE_SERVICES) as running:
        yield running


def _item(stack, key):
    table = stack.settings["TELEHEALTH_CALLS_TABLE"]
    return stack.client("dynamodb").get_item(TableName=table, Key={"transaction_id": {"S": key}}).get("Item")


def test_control_requests_reach_the_control_api(stack):
    response = requests.get(f"{stack.endpoint_url}/_local/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    missing = requests.get(f"{stack.endpoint_url}/_local/no-such-thing", timeout=5)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NotFound"


def test_other_aws_requests_reach_moto(stack):
    tables = stack.client("dynamodb").list_tables()["TableNames"]
    assert {"telehealth-local-appointments", "telehealth-local-calls"} <= set(tables)
    assert stack.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_chime_requests_reach_the_emulator(stack):
    identity = stack.client("chime-sdk-identity")
    instance = identity.describe_app_instance(AppInstanceArn=stack.settings["TELEHEALTH_APP_INSTANCE_ARN"])
    assert instance["AppInstance"]["Name"] == "telehealth-local"
    endpoint = stack.client("chime-sdk-messaging").get_messaging_session_endpoint()
    assert endpoint["Endpoint"]["Url"] == f"127.0.0.1:{stack.sessions_port}"


def test_pool_jwks_is_served_and_verifies_issued_tokens(stack):
    cognito = stack.client("cognito-idp")
    pool_id = stack.settings["TELEHEALTH_USER_POOL_ID"]
    client_id = stack.settings["TELEHEALTH_USER_POOL_CLIENT_ID"]
    email = "jwks@example.com"
    cognito.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
    cognito.admin_update_user_attributes(UserPoolId=pool_id, Username=email, UserAttributes=[
        {"Name": "name", "Value": "Jay Wks"}, {"Name": "phone_number", "Value": "+12025550142"},
        {"Name": "custom:role", "Value": "doctor"}])
    cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=stack.confirmation_code(email))
    tokens = cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]

    jwks_url = stack.settings["TELEHEALTH_JWKS_URL"]
    assert jwks_url == f"{stack.endpoint_url}/{pool_id}/.well-known/jwks.json"
    keys = requests.get(jwks_url, timeout=5).json()["keys"]
    header = jwt.get_unverified_header(tokens["IdToken"])
    key = jwt.PyJWK(next(k for k in keys if k["kid"] == header["kid"]))
    claims = jwt.decode(tokens["IdToken"], key.key, algorithms=["RS256"], audience=client_id,
                        issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}")
    assert claims["token_use"] == "id"
    assert claims["email"] == email
    assert claims["custom:role"] == "doctor"


def test_direct_invoke_runs_the_handler_in_a_worker(stack):
    response = stack.client("lambda").invoke(
        FunctionName="telehealth-scheduling-local-send_reminder",
        Payload=json.dumps({"appointment_id": "direct", "remind_at": "2030-01-01T00:00:00Z"}))
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"sent": 1}
    item = _item(stack, "reminder:direct:2030-01-01T00:00:00Z")
    # The Chalice stage's variables reach the worker, but the stack's settings win.
    assert item["stage_setting"]["S"] == "local"
    assert item["chalice_only"]["S"] == "chalice"


def test_a_raising_handler_is_a_function_error(stack):
    response = stack.client("lambda").invoke(FunctionName="telehealth-scheduling-local-send_reminder",
                                             Payload=json.dumps({"appointment_id": "fail-direct", "remind_at": "x"}))
    assert response["FunctionError"] == "Unhandled"
    payload = json.loads(response["Payload"].read())
    assert payload["errorType"] == "ReminderFailedOnPurpose"
    assert payload["errorMessage"] == "the reminder failed on purpose"


def test_event_invocations_run_asynchronously(stack):
    response = stack.client("lambda").invoke(
        FunctionName="telehealth-scheduling-local-send_reminder", InvocationType="Event",
        Payload=json.dumps({"appointment_id": "async", "remind_at": "2030-01-01T00:00:00Z"}))
    assert response["StatusCode"] == 202
    wait_for(lambda: _item(stack, "reminder:async:2030-01-01T00:00:00Z"), 15, message="the async invocation")


def _zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "")
    return buffer.getvalue()


def _create_function(stack, handler, timeout):
    lam = stack.client("lambda")
    name = f"telehealth-scheduling-local-{handler}"
    role = stack.client("iam").get_role(RoleName="telehealth-local-scheduling")["Role"]["Arn"]
    try:
        lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler=f"app.{handler}",
                            Code={"ZipFile": _zip()}, Timeout=timeout)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceConflictException":
            raise
        lam.update_function_configuration(FunctionName=name, Timeout=timeout)
    return name


def test_a_handler_outliving_its_timeout_fails_and_its_worker_is_replaced(stack):
    name = _create_function(stack, "sleepy", timeout=1)
    lam = stack.client("lambda")
    response = lam.invoke(FunctionName=name, Payload=json.dumps({"seconds": 10}))
    assert response["FunctionError"] == "Unhandled"
    payload = json.loads(response["Payload"].read())
    assert payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]
    quick = lam.invoke(FunctionName=name, Payload=json.dumps({"seconds": 0}))
    assert "FunctionError" not in quick
    result = json.loads(quick["Payload"].read())
    assert result["slept"] == 0
    assert 0 < result["remaining_ms"] <= 1000


def test_concurrent_invocations_run_in_separate_environments(stack):
    name = _create_function(stack, "sleepy", timeout=10)
    lam = stack.client("lambda")

    def invoke(_):
        return json.loads(lam.invoke(FunctionName=name, Payload=json.dumps({"seconds": 2}))["Payload"].read())

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(invoke, range(3)))
    assert [r["slept"] for r in results] == [2, 2, 2]
    # One invocation at a time per environment, as on Lambda.
    assert len({r["pid"] for r in results}) == 3


def test_a_worker_that_dies_is_restarted(stack):
    name = _create_function(stack, "crash", timeout=10)
    lam = stack.client("lambda")
    response = lam.invoke(FunctionName=name, Payload=b"{}")
    assert json.loads(response["Payload"].read())["errorType"] == "Runtime.ExitError"
    again = lam.invoke(FunctionName="telehealth-scheduling-local-send_reminder",
                       Payload=json.dumps({"appointment_id": "after-crash", "remind_at": "x"}))
    assert json.loads(again["Payload"].read()) == {"sent": 1}


def test_killed_workers_are_replaced(stack):
    lam = stack.client("lambda")
    lam.invoke(FunctionName="telehealth-scheduling-local-send_reminder",
               Payload=json.dumps({"appointment_id": "before-kill", "remind_at": "x"}))
    pids = stack.control("GET", "lambda/workers").json()["workers"]["scheduling"]
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    response = lam.invoke(FunctionName="telehealth-scheduling-local-send_reminder",
                          Payload=json.dumps({"appointment_id": "after-kill", "remind_at": "x"}))
    assert json.loads(response["Payload"].read()) == {"sent": 1}
    new_pids = stack.control("GET", "lambda/workers").json()["workers"]["scheduling"]
    assert new_pids and not set(new_pids) & set(pids)


def test_functions_the_stack_has_no_code_for_fail_cleanly(stack):
    lam = stack.client("lambda")
    role = stack.client("iam").get_role(RoleName="telehealth-local-scheduling")["Role"]["Arn"]
    lam.create_function(FunctionName="someone-elses-function", Runtime="python3.11", Role=role,
                        Handler="app.handler", Code={"ZipFile": _zip()})
    response = lam.invoke(FunctionName="someone-elses-function", Payload=b"{}")
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "ResourceNotFoundException"


def test_a_taken_port_fails_fast_with_a_clear_message(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "telehealth_local.processes.endpoint", "--port", str(port), "--ws-port", "0",
             "--outputs", str(tmp_path / "outputs.json")],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"port {port}" in result.stderr and "already in use" in result.stderr
    assert not (tmp_path / "outputs.json").exists()


def test_the_messaging_session_server_is_wired_in(stack):
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from websockets.sync.client import connect

    admin = stack.settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"]
    host = stack.client("chime-sdk-messaging").get_messaging_session_endpoint()["Endpoint"]["Url"]
    request = AWSRequest(method="GET", url=f"https://{host}/connect?userArn={admin}&sessionId=endpoint-test")
    SigV4QueryAuth(Credentials("testing", "testing"), "chime", "us-east-1", expires=10).add_auth(request)
    with connect("ws://" + request.url.split("://", 1)[1], open_timeout=10) as session:
        frame = json.loads(session.recv(timeout=10))
    assert frame["Headers"]["x-amz-chime-event-type"] == "SESSION_ESTABLISHED"


def test_step_functions_operations_moto_lacks_are_answered(stack):
    import json as _json

    sfn = stack.client("stepfunctions")
    asl = (REPO_ROOT / "infra" / "statemachine" / "reminders.asl.json").read_text()
    good = sfn.validate_state_machine_definition(definition=asl.replace("${send_reminder_function_arn}", "arn:aws:lambda:us-east-1:123456789012:function:x"))
    assert good["result"] == "OK" and good["diagnostics"] == []
    bad = sfn.validate_state_machine_definition(definition=_json.dumps({"StartAt": "Nope", "States": {"A": {"Type": "Pass"}}}))
    assert bad["result"] == "FAIL" and {d["location"] for d in bad["diagnostics"]} == {"/StartAt", "/States/A"}
    assert sfn.validate_state_machine_definition(definition="{not json")["result"] == "FAIL"
    machine = stack.settings["TELEHEALTH_STATE_MACHINE_ARN"]
    assert sfn.list_state_machine_versions(stateMachineArn=machine)["stateMachineVersions"] == []


@pytest.mark.parametrize("service, call, operation", [
    # An operation of an emulated service without a handler.
    ("chime-sdk-meetings", lambda c: c.start_meeting_transcription(
        MeetingId="00000000-0000-4000-8000-000000000000",
        TranscriptionConfiguration={"EngineTranscribeSettings": {"LanguageCode": "en-US"}}),
     "StartMeetingTranscription"),
    # moto raises NotImplementedError (JSON and query protocols).
    ("cognito-idp", lambda c: c.get_log_delivery_configuration(UserPoolId="us-east-1_abc"),
     "GetLogDeliveryConfiguration"),
    ("iam", lambda c: c.generate_service_last_accessed_details(Arn="arn:aws:iam::123456789012:role/x"),
     "GenerateServiceLastAccessedDetails"),
    # moto has no route for the REST path at all.
    ("lambda", lambda c: c.get_function_recursion_config(FunctionName="x"), "GetFunctionRecursionConfig"),
])
def test_unimplemented_operations_answer_501_naming_service_and_operation(stack, service, call, operation):
    with pytest.raises(ClientError) as raised:
        call(stack.client(service, retries={"max_attempts": 1}))
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["Error"]["Code"] in ("NotImplementedException", "NotImplemented")
    assert response["Error"]["Message"].startswith(f"The local stack does not implement {service} {operation}")
