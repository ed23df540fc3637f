"""Applies infra/terraform/local to a local AWS endpoint, the way docs/deploy.md does on AWS, and destroys it again.

The sequence is the real one: first apply, `chalice deploy` (stood in for by creating the
functions with the names and roles Terraform gave), second apply, config script, destroy.
"""
from __future__ import annotations

import io
import json
import re
import secrets
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config

from least_privilege import actions_of, policy_problems
from telehealth_local.iam.policies import granted_actions
from terraform_harness import ACCOUNT_ID, REGION, ROOT, Endpoint, Terraform
from telehealth_local.layout import SERVICES

ASL_FILE = ROOT / "infra" / "statemachine" / "reminders.asl.json"
LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# What each service calls: its policy file in infra/policies/, which the end-to-end suite proves
# equal to what the code calls on the local stack (tests/e2e/test_zz_iam_grants.py), plus logs
# and traces, which only AWS's Lambda runtime writes.
EXPECTED_ACTIONS = {service: granted_actions(service) | LOGS | XRAY for service in SERVICES}


class Deployment:
    """One stage applied to the endpoint, with boto3 clients to look at what it created."""

    def __init__(self, tf: Terraform, endpoint: Endpoint, stage: str, build_dir: Path):
        self.tf = tf
        self.endpoint = endpoint.url
        self.on_local_stack = endpoint.is_local_stack
        self.stack_settings = endpoint.stack_settings
        self.stage = stage
        self.tf.variables = {"endpoint": endpoint.url, "stage": stage, "build_dir": str(build_dir)}
        if self.on_local_stack:
            # The local stack answers the SIP media application (moto does not); it has no SIP
            # rules, which only a phone number would create.
            self.tf.variables.update(pstn_enabled=True, phone_number="",
                                     app_instance_arn=endpoint.stack_settings["TELEHEALTH_APP_INSTANCE_ARN"])
        self.outputs: dict[str, Any] = {}
        self.first_apply: dict[str, Any] = {}
        self.destroyed = False
        self._session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                              region_name=REGION)

    def client(self, service: str) -> Any:
        return self._session.client(service, endpoint_url=self.endpoint,
                                    config=Config(retries={"max_attempts": 1}, read_timeout=30))

    def deploy_services_like_chalice(self) -> None:
        """What `chalice deploy` creates that Terraform refers to: functions with the predicted names."""
        lam = self.client("lambda")
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("app.py", "def handler(event, context):\n    return {}\n")
        for service, names in self.outputs["lambda_function_names"].items():
            for name in names:
                lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                                    Role=self.outputs["service_role_arns"][service],
                                    Code={"ZipFile": archive.getvalue()})

    def destroy(self) -> None:
        if not self.destroyed:
            self.tf.destroy(service_functions_deployed=True)
            self.destroyed = True


@pytest.fixture(scope="module")
def deployment(local_root: Terraform, aws_endpoint: Endpoint, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    stage = "tf" + secrets.token_hex(3)
    dep = Deployment(local_root, aws_endpoint, stage, tmp_path_factory.mktemp("tf-build"))
    dep.tf.apply()
    dep.outputs = dep.tf.outputs()
    dep.first_apply = {
        "pool": dep.client("cognito-idp").describe_user_pool(UserPoolId=dep.outputs["user_pool_id"])["UserPool"],
        "plan": dep.tf.plan_exit_code(),
    }
    dep.deploy_services_like_chalice()
    dep.tf.apply(service_functions_deployed=True)
    dep.outputs = dep.tf.outputs()
    try:
        yield dep
    finally:
        dep.destroy()


def test_first_apply_is_complete_and_stable(deployment: Deployment) -> None:
    code, output = deployment.first_apply["plan"]
    assert code == 0, f"a plan right after apply should change nothing:\n{output[-3000:]}"
    # The trigger names a function that does not exist before `chalice deploy`.
    assert not deployment.first_apply["pool"].get("LambdaConfig", {}).get("PostConfirmation")


def test_tables_follow_the_shared_definitions(deployment: Deployment) -> None:
    definitions = {k: v for k, v in json.loads((ROOT / "infra/resources/tables.json").read_text()).items()
                   if k != "_comment"}
    ddb = deployment.client("dynamodb")
    assert deployment.outputs["table_names"] == {key: f"telehealth-{deployment.stage}-{key}" for key in definitions}
    for key, spec in definitions.items():
        name = deployment.outputs["table_names"][key]
        table = ddb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == [{"AttributeName": spec["hash_key"], "KeyType": "HASH"}]
        assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == spec["attributes"]
        indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == {i["name"] for i in spec["global_secondary_indexes"]}
        for index in spec["global_secondary_indexes"]:
            assert indexes[index["name"]]["KeySchema"] == [
                {"AttributeName": index["hash_key"], "KeyType": "HASH"},
                {"AttributeName": index["range_key"], "KeyType": "RANGE"},
            ]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["SSEDescription"]["SSEType"] == "KMS"
        assert table["SSEDescription"]["KMSMasterKeyArn"] == deployment.outputs["kms_key_arn"]
        backups = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if spec["ttl_attribute"]:
            assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", spec["ttl_attribute"])
        else:
            assert ttl["TimeToLiveStatus"] == "DISABLED"


def test_user_pool_follows_the_shared_definition(deployment: Deployment) -> None:
    spec = json.loads((ROOT / "infra/resources/user_pool.json").read_text())
    cognito = deployment.client("cognito-idp")
    pool_id = deployment.outputs["user_pool_id"]
    # As created by the first apply: moto's UpdateUserPool (second apply) forgets UsernameAttributes.
    pool = deployment.first_apply["pool"]
    assert pool["Name"] == f"telehealth-{deployment.stage}-users"
    assert pool["UsernameAttributes"] == spec["username_attributes"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == spec["password_policy"]["minimum_length"]
    attributes = {a["Name"]: a for a in pool["SchemaAttributes"]}
    # Written only by the identity service's admin calls (the app client cannot write it).
    assert attributes["custom:role"]["Mutable"] is True
    # The username is the e-mail address, which fills `email` (no client writes it).
    for set_by_the_service in ("email", "name", "phone_number"):
        assert attributes[set_by_the_service]["Required"] is False
    assert "custom:phone_pending" in attributes
    groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]}
    assert groups == set(spec["groups"])
    client = cognito.describe_user_pool_client(
        UserPoolId=pool_id, ClientId=deployment.outputs["settings"]["TELEHEALTH_USER_POOL_CLIENT_ID"])["UserPoolClient"]
    assert client["ClientName"] == f"telehealth-{deployment.stage}-app"
    assert set(client["ExplicitAuthFlows"]) == set(spec["client"]["explicit_auth_flows"])
    assert "ClientSecret" not in client
    assert set(client["WriteAttributes"]) == set(spec["client"]["write_attributes"])
    assert set(client["ReadAttributes"]) == set(spec["client"]["read_attributes"])
    assert not {"name", "phone_number", "email", "custom:role"} & set(client["WriteAttributes"])


def test_the_deployment_creates_the_first_admin(deployment: Deployment) -> None:
    cognito = deployment.client("cognito-idp")
    pool_id = deployment.outputs["user_pool_id"]
    admins = cognito.list_users_in_group(UserPoolId=pool_id, GroupName="admin")["Users"]
    assert len(admins) == 1
    attributes = {a["Name"]: a["Value"] for a in admins[0]["Attributes"]}
    assert (attributes["email"], attributes["custom:role"]) == ("first-admin@clinic.example.com", "admin")


def test_second_apply_wires_the_post_confirmation_trigger(deployment: Deployment) -> None:
    pool_id = deployment.outputs["user_pool_id"]
    function = f"telehealth-identity-{deployment.stage}-post_confirmation"
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}"
    pool = deployment.client("cognito-idp").describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["LambdaConfig"]["PostConfirmation"] == arn
    policy = json.loads(deployment.client("lambda").get_policy(FunctionName=function)["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "cognito-idp.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == deployment.outputs["user_pool_arn"]


def test_state_machine_comes_from_the_file_the_local_stack_runs(deployment: Deployment) -> None:
    from telehealth_local.bootstrap.resources import Bootstrap

    send_reminder = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:telehealth-scheduling-{deployment.stage}-send_reminder"
    described = deployment.client("stepfunctions").describe_state_machine(
        stateMachineArn=deployment.outputs["state_machine_arn"])
    applied = json.loads(described["definition"])
    by_python = json.loads(ASL_FILE.read_text().replace("${send_reminder_function_arn}", send_reminder))
    by_local_stack = json.loads(Bootstrap(deployment.endpoint).state_machine_definition(send_reminder))
    assert applied == by_python == by_local_stack
    assert json.loads(deployment.outputs["state_machine_definition"]) == applied
    # Not a vacuous comparison: the task really names the function.
    assert applied["States"]["Reminders"]["Iterator"]["States"]["SendReminder"]["Parameters"]["FunctionName"] == send_reminder
    assert described["name"] == f"telehealth-{deployment.stage}-reminders"


def needs_local_stack(deployment: Deployment) -> None:
    if not deployment.on_local_stack:
        pytest.skip("applied to moto, which has no End User Messaging SMS or SIP media application "
                    "(the local stack answers them once it answers the Step Functions calls)")


def test_sms_configuration_set_and_opt_out_list(deployment: Deployment) -> None:
    needs_local_stack(deployment)
    settings, stage = deployment.outputs["settings"], deployment.stage
    sms = deployment.client("pinpoint-sms-voice-v2")
    (configuration_set,) = sms.describe_configuration_sets(
        ConfigurationSetNames=[settings["TELEHEALTH_SMS_CONFIGURATION_SET"]])["ConfigurationSets"]
    assert configuration_set["ConfigurationSetName"] == f"telehealth-{stage}"
    assert configuration_set["ConfigurationSetArn"] == deployment.outputs["sms_configuration_set_arn"]
    (opt_outs,) = sms.describe_opt_out_lists(OptOutListNames=[f"telehealth-{stage}-opt-outs"])["OptOutLists"]
    assert opt_outs["OptOutListArn"] == deployment.outputs["sms_opt_out_list_arn"]
    # No Pinpoint project: the provider never touched mobiletargeting.
    assert "TELEHEALTH_PINPOINT_APP_ID" not in settings
    assert settings["TELEHEALTH_PSTN_ENABLED"] == "true"  # this apply turned PSTN on


def test_second_apply_points_the_sip_media_application_at_the_calling_handler(deployment: Deployment) -> None:
    needs_local_stack(deployment)
    function = f"telehealth-calling-{deployment.stage}-sma_handler"
    sma_id = deployment.outputs["settings"]["TELEHEALTH_SIP_MEDIA_APPLICATION_ID"]
    sma = deployment.client("chime-sdk-voice").get_sip_media_application(
        SipMediaApplicationId=sma_id)["SipMediaApplication"]
    assert sma["Name"] == f"telehealth-{deployment.stage}-sma"
    assert sma["Endpoints"] == [{"LambdaArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}"}]
    policy = json.loads(deployment.client("lambda").get_policy(FunctionName=function)["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "voiceconnector.chime.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["AWS:SourceAccount"] == ACCOUNT_ID


def test_the_local_stack_runs_the_same_state_machine(deployment: Deployment) -> None:
    needs_local_stack(deployment)
    sfn = deployment.client("stepfunctions")
    placeholder = json.loads(ASL_FILE.read_text())
    for machine, stage in ((deployment.stack_settings["TELEHEALTH_STATE_MACHINE_ARN"], "local"),
                           (deployment.outputs["state_machine_arn"], deployment.stage)):
        text = sfn.describe_state_machine(stateMachineArn=machine)["definition"]
        function = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:telehealth-scheduling-{stage}-send_reminder"
        assert function in text
        # Equal to the file once each machine's own send_reminder ARN is put back as the variable.
        assert json.loads(text.replace(function, "${send_reminder_function_arn}")) == placeholder, stage


def test_roles_allow_exactly_what_each_service_calls_scoped_to_this_stack(deployment: Deployment) -> None:
    outputs, stage = deployment.outputs, deployment.stage
    settings = outputs["settings"]
    iam = deployment.client("iam")
    arn = f"{REGION}:{ACCOUNT_ID}"
    stack_prefixes = [
        outputs["user_pool_arn"],
        *(f"arn:aws:dynamodb:{arn}:table/{name}" for name in outputs["table_names"].values()),
        settings["TELEHEALTH_APP_INSTANCE_ARN"] + "/",
        outputs["state_machine_arn"],
        f"arn:aws:states:{arn}:execution:telehealth-{stage}-reminders:",
        f"arn:aws:chime:{arn}:meeting/",
        f"arn:aws:chime:{arn}:sma/{settings['TELEHEALTH_SIP_MEDIA_APPLICATION_ID']}",
        settings["TELEHEALTH_SMS_ORIGINATION_IDENTITY"],
        outputs["sms_configuration_set_arn"],
        f"arn:aws:ses:{arn}:identity/{settings['TELEHEALTH_EMAIL_SENDER']}",
        outputs["messaging_session_role_arn"],
    ]
    for service in SERVICES:
        log_groups = [f"arn:aws:logs:{arn}:log-group:/aws/lambda/{name}:" for name in outputs["lambda_function_names"][service]]
        role_name = outputs["service_role_arns"][service].rsplit("/", 1)[1]
        names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
        documents = [iam.get_role_policy(RoleName=role_name, PolicyName=n)["PolicyDocument"] for n in names]
        granted = set().union(*(actions_of(d) for d in documents))
        assert granted == EXPECTED_ACTIONS[service], service
        for document in documents:
            assert policy_problems(document, stack_prefixes + log_groups) == [], service
        trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
        assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "lambda.amazonaws.com"}]

    session_role = outputs["messaging_session_role_arn"].rsplit("/", 1)[1]
    trust = iam.get_role(RoleName=session_role)["Role"]["AssumeRolePolicyDocument"]
    assert [s["Principal"] for s in trust["Statement"]] == [{"AWS": outputs["service_role_arns"]["messaging"]}]
    (name,) = iam.list_role_policies(RoleName=session_role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=session_role, PolicyName=name)["PolicyDocument"]
    assert actions_of(document) == {"chime:Connect"}
    assert policy_problems(document, [settings["TELEHEALTH_APP_INSTANCE_ARN"] + "/user/"]) == []


def test_state_machine_and_bootstrap_roles_are_least_privilege(deployment: Deployment) -> None:
    stage = deployment.stage
    iam = deployment.client("iam")
    arn = f"{REGION}:{ACCOUNT_ID}"
    for role_name, prefixes in {
        f"telehealth-{stage}-reminders-state-machine": [
            f"arn:aws:lambda:{arn}:function:telehealth-scheduling-{stage}-send_reminder"],
        f"telehealth-{stage}-chime-bootstrap": [
            f"arn:aws:chime:{arn}:app-instance/", f"arn:aws:logs:{arn}:log-group:/aws/lambda/telehealth-{stage}-chime-bootstrap:"],
    }.items():
        for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
            assert policy_problems(document, prefixes) == [], role_name


def test_terraform_knows_every_lambda_handler_of_the_services(deployment: Deployment) -> None:
    """Log groups, roles and permissions are made for predicted names: a handler must not be missed."""
    declared = re.compile(r"@app\.lambda_function\(\s*(?:name\s*=\s*[\"'](\w+)[\"'])?\s*\)\s*\ndef\s+(\w+)")
    for service in SERVICES:
        source = (ROOT / "services" / service / "app.py").read_text()
        handlers = {name or function for name, function in declared.findall(source)}
        expected = {f"telehealth-{service}-{deployment.stage}-{h}" for h in handlers}
        assert expected <= set(deployment.outputs["lambda_function_names"][service]), service


def test_config_script_writes_the_stage_from_these_outputs(deployment: Deployment, tmp_path: Path) -> None:
    for service in SERVICES:
        target = tmp_path / service / ".chalice"
        target.mkdir(parents=True)
        shutil.copy(ROOT / "services" / service / ".chalice" / "config.json", target / "config.json")
    raw = deployment.tf.run("output", "-json").stdout
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "chalice_config_from_terraform.py"), "--stage", deployment.stage,
         "--services-dir", str(tmp_path)], input=raw, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for service in SERVICES:
        original = json.loads((ROOT / "services" / service / ".chalice" / "config.json").read_text())
        written = json.loads((tmp_path / service / ".chalice" / "config.json").read_text())
        for name, stage in original["stages"].items():
            assert written["stages"][name] == stage
        stage = written["stages"][deployment.stage]
        assert stage["iam_role_arn"] == deployment.outputs["service_role_arns"][service]
        assert stage["manage_iam_role"] is False
        assert stage["environment_variables"] == deployment.outputs["settings"]
        assert stage["environment_variables"]["TELEHEALTH_STAGE"] == deployment.stage


def test_destroy_removes_everything(deployment: Deployment) -> None:
    deployment.destroy()
    stage = deployment.stage
    tables = deployment.client("dynamodb").list_tables()["TableNames"]
    assert [t for t in tables if t.startswith(f"telehealth-{stage}-")] == []
    pools = deployment.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    assert [p for p in pools if p["Name"].startswith(f"telehealth-{stage}-")] == []
    roles = deployment.client("iam").list_roles()["Roles"]
    assert [r["RoleName"] for r in roles if r["RoleName"].startswith(f"telehealth-{stage}-")] == []
    machines = deployment.client("stepfunctions").list_state_machines()["stateMachines"]
    assert [m for m in machines if m["name"].startswith(f"telehealth-{stage}-")] == []
    if deployment.on_local_stack:
        sms = deployment.client("pinpoint-sms-voice-v2")
        assert [c for c in sms.describe_configuration_sets()["ConfigurationSets"]
                if c["ConfigurationSetName"].startswith(f"telehealth-{stage}")] == []
        assert [o for o in sms.describe_opt_out_lists()["OptOutLists"]
                if o["OptOutListName"].startswith(f"telehealth-{stage}")] == []
    groups = deployment.client("logs").describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups if f"-{stage}" in g["logGroupName"]] == []
    assert deployment.tf.state().get("values") is None
