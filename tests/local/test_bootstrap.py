"""Bootstrap: every shared resource exists as the definition files describe it, its ids are in
the outputs file, and running bootstrap again reuses everything (no duplicates)."""
from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest

from stack_fixture import REPO_ROOT, start_stack
from telehealth_local.bootstrap.resources import Bootstrap

pytestmark = pytest.mark.timeout(120)

FIXTURE_SERVICES = Path(__file__).parent / "fixtures" / "services"
RESOURCES = REPO_ROOT / "infra" / "resources"
FUNCTIONS = {"telehealth-identity-local-post_confirmation", "telehealth-scheduling-local-send_reminder",
             "telehealth-calling-local-sma_handler"}


@pytest.fixture(scope="module")
def stack():
    with start_stack(services_root=FIXTURE_SERVICES, prewarm=False) as running:
        yield running


def _arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:{name}"


def test_outputs_file_holds_the_settings(stack):
    settings = json.loads(stack.outputs_path.read_text())
    assert settings == stack.settings
    expected = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL",
                "TELEHEALTH_STAGE", "TELEHEALTH_USER_POOL_ID", "TELEHEALTH_USER_POOL_CLIENT_ID", "TELEHEALTH_JWKS_URL",
                "TELEHEALTH_APP_INSTANCE_ARN", "TELEHEALTH_APP_INSTANCE_ADMIN_ARN", "TELEHEALTH_APPOINTMENTS_TABLE",
                "TELEHEALTH_CALLS_TABLE", "TELEHEALTH_STATE_MACHINE_ARN", "TELEHEALTH_SMS_ORIGINATION_IDENTITY",
                "TELEHEALTH_SMS_CONFIGURATION_SET", "TELEHEALTH_PSTN_ENABLED", "TELEHEALTH_SIP_MEDIA_APPLICATION_ID",
                "TELEHEALTH_PHONE_NUMBER", "TELEHEALTH_REMINDER_LEAD_MINUTES", "TELEHEALTH_SESSION_ROLE_ARN", "TELEHEALTH_INVITATIONS_TABLE",
                "TELEHEALTH_VERIFICATIONS_TABLE", "TELEHEALTH_EMAIL_SENDER", "TELEHEALTH_AUDIT_TABLE",
                "TELEHEALTH_LOCAL_ADMIN_EMAIL", "TELEHEALTH_LOCAL_ADMIN_PASSWORD", "POWERTOOLS_TRACE_DISABLED"}
    assert set(settings) == expected
    assert settings["AWS_ENDPOINT_URL"] == stack.endpoint_url
    assert settings["TELEHEALTH_STAGE"] == "local"
    assert settings["TELEHEALTH_APPOINTMENTS_TABLE"] == "telehealth-local-appointments"
    assert settings["TELEHEALTH_CALLS_TABLE"] == "telehealth-local-calls"
    admin = f"{settings['TELEHEALTH_APP_INSTANCE_ARN']}/user/telehealth-service"
    assert settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"] == admin


def test_user_pool_follows_user_pool_json(stack):
    spec = json.loads((RESOURCES / "user_pool.json").read_text())
    cognito = stack.client("cognito-idp")
    pool = cognito.describe_user_pool(UserPoolId=stack.settings["TELEHEALTH_USER_POOL_ID"])["UserPool"]
    assert pool["Name"] == "telehealth-local-users"
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == spec["password_policy"]["minimum_length"]
    assert policy["RequireSymbols"] is spec["password_policy"]["require_symbols"]
    assert pool["UsernameAttributes"] == spec["username_attributes"]
    assert pool["AutoVerifiedAttributes"] == spec["auto_verified_attributes"]
    role = next(a for a in pool["SchemaAttributes"] if a["Name"] == "custom:role")
    assert role["StringAttributeConstraints"] == {"MinLength": "5", "MaxLength": "7"}
    # Mutable for the identity service's admin calls; the app client cannot write it.
    assert role["Mutable"] is True
    assert pool["LambdaConfig"]["PostConfirmation"] == _arn("telehealth-identity-local-post_confirmation")

    client = cognito.describe_user_pool_client(UserPoolId=pool["Id"],
                                               ClientId=stack.settings["TELEHEALTH_USER_POOL_CLIENT_ID"])["UserPoolClient"]
    assert client["ClientName"] == "telehealth-local-app"
    assert "ClientSecret" not in client
    assert sorted(client["ExplicitAuthFlows"]) == sorted(spec["client"]["explicit_auth_flows"])
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    if "read_attributes" in spec["client"]:
        assert sorted(client["ReadAttributes"]) == sorted(spec["client"]["read_attributes"])
    assert sorted(client["WriteAttributes"]) == sorted(spec["client"]["write_attributes"])
    assert not {"name", "phone_number", "email", "custom:role"} & set(client["WriteAttributes"])
    groups = cognito.list_groups(UserPoolId=pool["Id"])["Groups"]
    assert sorted(g["GroupName"] for g in groups) == sorted(spec["groups"]) == ["admin", "doctor", "patient"]


def test_the_first_admin_exists_and_signs_in(stack):
    cognito = stack.client("cognito-idp")
    email, password = stack.settings["TELEHEALTH_LOCAL_ADMIN_EMAIL"], stack.settings["TELEHEALTH_LOCAL_ADMIN_PASSWORD"]
    tokens = cognito.initiate_auth(ClientId=stack.settings["TELEHEALTH_USER_POOL_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": email, "PASSWORD": password})["AuthenticationResult"]
    claims = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    assert claims["cognito:groups"] == ["admin"] and claims["email"] == email
    identity = stack.client("chime-sdk-identity")
    arn = f"{stack.settings['TELEHEALTH_APP_INSTANCE_ARN']}/user/{claims['sub']}"
    assert identity.describe_app_instance_user(AppInstanceUserArn=arn)["AppInstanceUser"]["AppInstanceUserArn"] == arn
    assert json.loads(stack.outputs_path.read_text())["TELEHEALTH_LOCAL_ADMIN_EMAIL"] == email


def test_tables_follow_tables_json(stack):
    dynamodb = stack.client("dynamodb")
    appointments = dynamodb.describe_table(TableName="telehealth-local-appointments")["Table"]
    assert appointments["KeySchema"] == [{"AttributeName": "appointment_id", "KeyType": "HASH"}]
    indexes = {i["IndexName"]: i["KeySchema"] for i in appointments["GlobalSecondaryIndexes"]}
    assert indexes["doctor-index"] == [{"AttributeName": "doctor_id", "KeyType": "HASH"},
                                       {"AttributeName": "starts_at_key", "KeyType": "RANGE"}]
    assert set(indexes) == {"doctor-index", "patient-index"}
    ttl = dynamodb.describe_time_to_live(TableName="telehealth-local-calls")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_functions_state_machine_and_chime_resources(stack):
    functions = {f["FunctionName"] for f in stack.client("lambda").list_functions()["Functions"]}
    assert FUNCTIONS <= functions
    definition = json.loads(stack.client("stepfunctions").describe_state_machine(
        stateMachineArn=stack.settings["TELEHEALTH_STATE_MACHINE_ARN"])["definition"])
    task = definition["States"]["Reminders"]["Iterator"]["States"]["SendReminder"]
    assert task["Parameters"]["FunctionName"] == _arn("telehealth-scheduling-local-send_reminder")

    identity = stack.client("chime-sdk-identity")
    admins = identity.list_app_instance_admins(AppInstanceArn=stack.settings["TELEHEALTH_APP_INSTANCE_ARN"])
    assert [a["Admin"]["Arn"] for a in admins["AppInstanceAdmins"]] == [stack.settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"]]

    sma = stack.client("chime-sdk-voice").get_sip_media_application(
        SipMediaApplicationId=stack.settings["TELEHEALTH_SIP_MEDIA_APPLICATION_ID"])["SipMediaApplication"]
    assert sma["Name"] == "telehealth-local-sma"
    assert [e["LambdaArn"] for e in sma["Endpoints"]] == [_arn("telehealth-calling-local-sma_handler")]

    sms = stack.client("pinpoint-sms-voice-v2")
    (number,) = sms.describe_phone_numbers()["PhoneNumbers"]
    assert number["PhoneNumberArn"] == stack.settings["TELEHEALTH_SMS_ORIGINATION_IDENTITY"]
    assert number["PhoneNumber"] == stack.settings["TELEHEALTH_PHONE_NUMBER"]
    # STOP replies land on the stage's own opt-out list.
    assert number["OptOutListName"] == "telehealth-local-opt-outs" and number["SelfManagedOptOutsEnabled"] is False
    (configuration_set,) = sms.describe_configuration_sets(
        ConfigurationSetNames=[stack.settings["TELEHEALTH_SMS_CONFIGURATION_SET"]])["ConfigurationSets"]
    assert configuration_set["ConfigurationSetName"] == "telehealth-local"
    assert configuration_set["DefaultMessageType"] == "TRANSACTIONAL"
    assert stack.settings["TELEHEALTH_PSTN_ENABLED"] == "true"


def test_running_bootstrap_again_changes_nothing(stack):
    again = Bootstrap(stack.endpoint_url, services_root=FIXTURE_SERVICES).run()
    assert again == stack.settings

    cognito = stack.client("cognito-idp")
    pools = [p for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == "telehealth-local-users"]
    assert len(pools) == 1
    clients = cognito.list_user_pool_clients(UserPoolId=pools[0]["Id"], MaxResults=60)["UserPoolClients"]
    assert len(clients) == 1
    machines = [m for m in stack.client("stepfunctions").list_state_machines()["stateMachines"]
                if m["name"] == "telehealth-local-reminders"]
    assert len(machines) == 1
    instances = [i for i in stack.client("chime-sdk-identity").list_app_instances()["AppInstances"]
                 if i["Name"] == "telehealth-local"]
    assert len(instances) == 1
    sms = stack.client("pinpoint-sms-voice-v2")
    assert len(sms.describe_phone_numbers()["PhoneNumbers"]) == 1
    assert [c["ConfigurationSetName"] for c in sms.describe_configuration_sets()["ConfigurationSets"]] == [
        "telehealth-local"]
    assert [o["OptOutListName"] for o in sms.describe_opt_out_lists()["OptOutLists"]] == [
        "Default", "telehealth-local-opt-outs"]
    smas = [s for s in stack.client("chime-sdk-voice").list_sip_media_applications()["SipMediaApplications"]
            if s["Name"] == "telehealth-local-sma"]
    assert len(smas) == 1
    names = [f["FunctionName"] for f in stack.client("lambda").list_functions()["Functions"]]
    assert sorted(n for n in names if n in FUNCTIONS) == sorted(FUNCTIONS)


def test_placeholders_the_stack_cannot_fill_are_refused(tmp_path, stack):
    asl = tmp_path / "reminders.asl.json"
    asl.write_text('{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${other_arn}", "End": true}}}')
    with pytest.raises(ValueError, match="placeholder"):
        Bootstrap(stack.endpoint_url, state_machine_file=asl).state_machine_definition("arn:x")

