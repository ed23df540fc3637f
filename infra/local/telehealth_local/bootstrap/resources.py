"""Creates every shared resource the services need on the local endpoint, idempotently, from the
definition files Terraform reads too, and returns the services' settings (the stack's outputs).

Everything is created with boto3 against the endpoint itself, so bootstrap exercises the same
request paths the services use. Running it again finds each resource by name and reuses it.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from ..glue.lambda_service.chalice_config import CHALICE_DEFAULT_TIMEOUT, chalice_function_config
from ..iam.policies import SESSION_POLICY
from ..layout import (ACCOUNT_ID, CREDENTIALS, FUNCTIONS, PHONE_NUMBER, REGION, RESOURCES_DIR, SERVICES_ROOT,
                      STATE_MACHINE_FILE, function_name)
from .contacts import ContactResources
from .roles import RoleResources

ADMIN_USER_ID = "telehealth-service"
_TRUST_STATES = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "states.amazonaws.com"}}]}


class Bootstrap(RoleResources, ContactResources):
    account_id = ACCOUNT_ID

    def __init__(self, endpoint_url: str, stage: str = "local", region: str = REGION,
                 services_root: Path | str | None = None, phone_number: str = PHONE_NUMBER,
                 resources_dir: Path | str = RESOURCES_DIR, state_machine_file: Path | str = STATE_MACHINE_FILE):
        self.endpoint_url = endpoint_url.rstrip("/")
        self.stage = stage
        self.region = region
        self.services_root = Path(services_root or SERVICES_ROOT)
        self.phone_number = phone_number
        self.resources_dir = Path(resources_dir)
        self.state_machine_file = Path(state_machine_file)
        self._clients: dict[str, Any] = {}
        self._session: Any = None

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            if self._session is None:
                # One session: its loader caches the endpoint and partition data every client reads.
                self._session = boto3.session.Session()
            self._clients[service] = self._session.client(
                service, endpoint_url=self.endpoint_url, region_name=self.region,
                aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                config=Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=30),
            )
        return self._clients[service]

    def _name(self, suffix: str) -> str:
        return f"telehealth-{self.stage}-{suffix}" if suffix else f"telehealth-{self.stage}"

    # -- Lambda ----------------------------------------------------------------------
    @staticmethod
    def _placeholder_zip() -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("app.py", "# The local stack runs the service's own app.py in a worker process;\n"
                                       "# this archive only satisfies the Lambda API.\n")
        return buffer.getvalue()

    def ensure_function(self, service: str, handler: str, role_arn: str) -> str:
        lam = self.client("lambda")
        name = function_name(service, self.stage, handler)
        timeout, _env = chalice_function_config(self.services_root / service, self.stage, handler)
        try:
            configuration = lam.get_function(FunctionName=name)["Configuration"]
        except lam.exceptions.ResourceNotFoundException:
            configuration = lam.create_function(
                FunctionName=name, Runtime="python3.11", Role=role_arn, Handler=f"app.{handler}",
                Code={"ZipFile": self._placeholder_zip()}, Timeout=int(timeout or CHALICE_DEFAULT_TIMEOUT),
                Description=f"{service} service handler {handler} (local stack)",
            )
        return configuration["FunctionArn"]

    # -- Cognito ---------------------------------------------------------------------
    def _pool_definition(self, post_confirmation_arn: str) -> tuple[dict[str, Any], dict[str, Any]]:
        spec = json.loads((self.resources_dir / "user_pool.json").read_text())
        policy = spec["password_policy"]
        schema = []
        for attribute in spec["schema"]:
            entry: dict[str, Any] = {"Name": attribute["name"], "AttributeDataType": attribute["attribute_data_type"],
                                     "Required": attribute.get("required", False),
                                     "Mutable": attribute.get("mutable", True)}
            if "min_length" in attribute or "max_length" in attribute:
                entry["StringAttributeConstraints"] = {
                    key: str(attribute[field]) for key, field in (("MinLength", "min_length"), ("MaxLength", "max_length"))
                    if field in attribute}
            schema.append(entry)
        return {
            "PoolName": self._name("users"),
            "Policies": {"PasswordPolicy": {
                "MinimumLength": policy["minimum_length"],
                "RequireUppercase": policy["require_uppercase"],
                "RequireLowercase": policy["require_lowercase"],
                "RequireNumbers": policy["require_numbers"],
                "RequireSymbols": policy["require_symbols"],
                "TemporaryPasswordValidityDays": policy["temporary_password_validity_days"],
            }},
            "UsernameAttributes": spec["username_attributes"],
            "AutoVerifiedAttributes": spec["auto_verified_attributes"],
            "Schema": schema,
            "LambdaConfig": {"PostConfirmation": post_confirmation_arn},
        }, spec

    def ensure_user_pool(self, post_confirmation_arn: str) -> tuple[str, str]:
        cognito = self.client("cognito-idp")
        definition, spec = self._pool_definition(post_confirmation_arn)
        pool_id = None
        for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
            for pool in page["UserPools"]:
                if pool["Name"] == definition["PoolName"]:
                    pool_id = pool["Id"]
        if pool_id is None:
            pool_id = cognito.create_user_pool(**definition)["UserPool"]["Id"]
        client_name = self._name("app")
        client_id = None
        for page in cognito.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id, MaxResults=60):
            for client in page["UserPoolClients"]:
                if client["ClientName"] == client_name:
                    client_id = client["ClientId"]
        if client_id is None:
            settings = spec["client"]
            optional = {key: settings[field] for key, field in (("ReadAttributes", "read_attributes"),
                                                                ("WriteAttributes", "write_attributes"))
                        if field in settings}
            client_id = cognito.create_user_pool_client(
                UserPoolId=pool_id, ClientName=client_name, GenerateSecret=settings["generate_secret"],
                ExplicitAuthFlows=settings["explicit_auth_flows"],
                PreventUserExistenceErrors=settings["prevent_user_existence_errors"],
                IdTokenValidity=settings["id_token_validity_minutes"],
                AccessTokenValidity=settings["access_token_validity_minutes"],
                RefreshTokenValidity=settings["refresh_token_validity_days"],
                TokenValidityUnits={"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"},
                **optional,
            )["UserPoolClient"]["ClientId"]
        for group in spec["groups"]:
            try:
                cognito.get_group(GroupName=group, UserPoolId=pool_id)
            except cognito.exceptions.ResourceNotFoundException:
                cognito.create_group(GroupName=group, UserPoolId=pool_id)
        return pool_id, client_id

    # -- DynamoDB --------------------------------------------------------------------
    def ensure_tables(self) -> dict[str, str]:
        dynamodb = self.client("dynamodb")
        spec = json.loads((self.resources_dir / "tables.json").read_text())
        names = {}
        existing = set(name for page in dynamodb.get_paginator("list_tables").paginate() for name in page["TableNames"])
        for key, table in spec.items():
            if key.startswith("_"):
                continue
            name = self._name(key)
            names[key] = name
            if name not in existing:
                request: dict[str, Any] = {
                    "TableName": name,
                    "KeySchema": [{"AttributeName": table["hash_key"], "KeyType": "HASH"}]
                    + ([{"AttributeName": table["range_key"], "KeyType": "RANGE"}] if table.get("range_key") else []),
                    "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t}
                                             for n, t in table["attributes"].items()],
                    "BillingMode": "PAY_PER_REQUEST",
                }
                indexes = [{
                    "IndexName": index["name"],
                    "KeySchema": [{"AttributeName": index["hash_key"], "KeyType": "HASH"}]
                    + ([{"AttributeName": index["range_key"], "KeyType": "RANGE"}] if index.get("range_key") else []),
                    "Projection": {"ProjectionType": index.get("projection", "ALL")},
                } for index in table.get("global_secondary_indexes", [])]
                if indexes:
                    request["GlobalSecondaryIndexes"] = indexes
                dynamodb.create_table(**request)
            if table.get("ttl_attribute"):
                current = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
                if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                    dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                        "Enabled": True, "AttributeName": table["ttl_attribute"]})
        return names

    # -- Step Functions --------------------------------------------------------------
    def state_machine_definition(self, send_reminder_arn: str) -> str:
        text = self.state_machine_file.read_text()
        definition = text.replace("${send_reminder_function_arn}", send_reminder_arn)
        if "${" in definition:
            raise ValueError(f"{self.state_machine_file} has a placeholder the local stack does not fill")
        json.loads(definition)
        return definition

    def ensure_state_machine(self, send_reminder_arn: str, role_arn: str) -> str:
        sfn = self.client("stepfunctions")
        name = self._name("reminders")
        definition = self.state_machine_definition(send_reminder_arn)
        for page in sfn.get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                if machine["name"] == name:
                    arn = machine["stateMachineArn"]
                    if sfn.describe_state_machine(stateMachineArn=arn)["definition"] != definition:
                        sfn.update_state_machine(stateMachineArn=arn, definition=definition)
                    return arn
        return sfn.create_state_machine(name=name, definition=definition, roleArn=role_arn)["stateMachineArn"]

    # -- Chime SDK -------------------------------------------------------------------
    def ensure_app_instance(self) -> tuple[str, str]:
        identity = self.client("chime-sdk-identity")
        name = self._name("")
        instance_arn = None
        for page in _pages(identity.list_app_instances, "AppInstances"):
            for instance in page:
                if instance["Name"] == name:
                    instance_arn = instance["AppInstanceArn"]
        if instance_arn is None:
            instance_arn = identity.create_app_instance(Name=name)["AppInstanceArn"]
        user_arn = f"{instance_arn}/user/{ADMIN_USER_ID}"
        try:
            identity.describe_app_instance_user(AppInstanceUserArn=user_arn)
        except identity.exceptions.NotFoundException:
            user_arn = identity.create_app_instance_user(
                AppInstanceArn=instance_arn, AppInstanceUserId=ADMIN_USER_ID, Name="Telehealth service",
            )["AppInstanceUserArn"]
        admins = [a["Admin"]["Arn"] for page in _pages(lambda **kw: identity.list_app_instance_admins(
            AppInstanceArn=instance_arn, **kw), "AppInstanceAdmins") for a in page]
        if user_arn not in admins:
            identity.create_app_instance_admin(AppInstanceAdminArn=user_arn, AppInstanceArn=instance_arn)
        return instance_arn, user_arn

    def ensure_sip_media_application(self, sma_handler_arn: str) -> str:
        voice = self.client("chime-sdk-voice")
        name = self._name("sma")
        for page in _pages(voice.list_sip_media_applications, "SipMediaApplications"):
            for application in page:
                if application["Name"] == name:
                    endpoints = application.get("Endpoints") or []
                    if [e.get("LambdaArn") for e in endpoints] != [sma_handler_arn]:
                        voice.update_sip_media_application(
                            SipMediaApplicationId=application["SipMediaApplicationId"],
                            Endpoints=[{"LambdaArn": sma_handler_arn}])
                    return application["SipMediaApplicationId"]
        return voice.create_sip_media_application(
            AwsRegion=self.region, Name=name, Endpoints=[{"LambdaArn": sma_handler_arn}],
        )["SipMediaApplication"]["SipMediaApplicationId"]

    # -- everything ------------------------------------------------------------------
    def run(self) -> dict[str, str]:
        roles = self.ensure_service_roles()
        states_role = self.ensure_role(self._name("states"), _TRUST_STATES)
        arns = {handler: self.ensure_function(service, handler, roles[service]) for service, handler in FUNCTIONS}
        pool_id, client_id = self.ensure_user_pool(arns["post_confirmation"])
        tables = self.ensure_tables()
        state_machine_arn = self.ensure_state_machine(arns["send_reminder"], states_role)
        instance_arn, admin_arn = self.ensure_app_instance()
        sma_id = self.ensure_sip_media_application(arns["sma_handler"])
        email_sender = self.ensure_email_sender()
        admin_email, admin_password = self.ensure_first_admin(pool_id, instance_arn)
        origination_identity, configuration_set = self.ensure_sms()
        base = f"arn:aws:{{}}:{self.region}:{ACCOUNT_ID}"
        self.put_service_policies({
            "partition": "aws", "region": self.region, "account_id": ACCOUNT_ID,
            "user_pool_arn": f"{base.format('cognito-idp')}:userpool/{pool_id}",
            "app_instance_arn": instance_arn,
            # ${<key>_table_arn} for every table of tables.json (Terraform fills the same names).
            **{f"{key}_table_arn": f"{base.format('dynamodb')}:table/{name}" for key, name in tables.items()},
            "state_machine_arn": state_machine_arn,
            "state_machine_name": state_machine_arn.rsplit(":", 1)[-1],
            "sms_origination_identity_arn": origination_identity,
            "sms_configuration_set_arn": f"{base.format('sms-voice')}:configuration-set/{configuration_set}",
            "email_sender": email_sender,
            "sip_media_application_id": sma_id,
            "messaging_session_role_arn": roles[SESSION_POLICY],
        })
        return {
            **CREDENTIALS,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "TELEHEALTH_STAGE": self.stage,
            "TELEHEALTH_USER_POOL_ID": pool_id,
            "TELEHEALTH_USER_POOL_CLIENT_ID": client_id,
            "TELEHEALTH_JWKS_URL": f"{self.endpoint_url}/{pool_id}/.well-known/jwks.json",
            "TELEHEALTH_APP_INSTANCE_ARN": instance_arn,
            "TELEHEALTH_APP_INSTANCE_ADMIN_ARN": admin_arn,
            "TELEHEALTH_APPOINTMENTS_TABLE": tables["appointments"],
            "TELEHEALTH_CALLS_TABLE": tables["calls"],
            "TELEHEALTH_INVITATIONS_TABLE": tables["invitations"],
            "TELEHEALTH_VERIFICATIONS_TABLE": tables["verifications"],
            "TELEHEALTH_EMAIL_SENDER": email_sender,
            "TELEHEALTH_AUDIT_TABLE": tables["audit"],
            "TELEHEALTH_STATE_MACHINE_ARN": state_machine_arn,
            "TELEHEALTH_SMS_ORIGINATION_IDENTITY": origination_identity,
            "TELEHEALTH_SMS_CONFIGURATION_SET": configuration_set,
            "TELEHEALTH_PSTN_ENABLED": "true",
            "TELEHEALTH_SIP_MEDIA_APPLICATION_ID": sma_id,
            "TELEHEALTH_PHONE_NUMBER": self.phone_number,
            "TELEHEALTH_REMINDER_LEAD_MINUTES": "",
            "TELEHEALTH_SESSION_ROLE_ARN": roles[SESSION_POLICY],
            # No X-Ray daemon locally: Powertools Tracer stays off (and unimported).
            "POWERTOOLS_TRACE_DISABLED": "true",
            "TELEHEALTH_LOCAL_ADMIN_EMAIL": admin_email,
            "TELEHEALTH_LOCAL_ADMIN_PASSWORD": admin_password,
        }


def _pages(operation: Any, key: str) -> Any:
    """Yield each page's `key` list of a NextToken-paginated Chime operation."""
    token = None
    while True:
        response = operation(**({"NextToken": token} if token else {}))
        yield response.get(key, [])
        token = response.get("NextToken")
        if not token:
            return

