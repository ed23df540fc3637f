"""Creates every shared resource the services need on the local endpoint, idempotently, from the
definition files Terraform reads too, and returns the services' settings (the stack's outputs).

Everything is created with boto3 against the endpoint itself, so bootstrap exercises the same
request paths the services use. Running it again finds each resource by name and reuses it.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any, Mapping

from .lambda_runtime import CHALICE_DEFAULT_TIMEOUT, DEFAULT_SERVICES_ROOT, chalice_function_config

REPO_ROOT = Path(__file__).resolve().parents[3]
RESOURCES_DIR = REPO_ROOT / "infra" / "resources"
STATE_MACHINE_FILE = REPO_ROOT / "infra" / "statemachine" / "reminders.asl.json"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # nosec B105: the local stack's fixed, public test credentials
# 555-0100 to 555-0199 are reserved for fiction in the North American plan; libphonenumber
# accepts +1 202 555 0100 as a valid number, so Pinpoint's and Chime's checks pass.
DEFAULT_PHONE_NUMBER = "+12025550100"
ADMIN_USER_ID = "telehealth-service"
# Lambda functions each service deploys (Chalice names them telehealth-<service>-<stage>-<handler>).
FUNCTIONS = (("identity", "post_confirmation"), ("scheduling", "send_reminder"), ("calling", "sma_handler"))
_TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "lambda.amazonaws.com"}}]}
_TRUST_STATES = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "states.amazonaws.com"}}]}
# Environment variables that would send a service's boto3 calls anywhere but this stack.
_FOREIGN_AWS_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                          "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ROLE_ARN",
                          "AWS_WEB_IDENTITY_TOKEN_FILE")


def function_name(service: str, stage: str, handler: str) -> str:
    return f"telehealth-{service}-{stage}-{handler}"


def function_arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"


def service_environment(settings: Mapping[str, str], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default os.environ) with the stack's settings, minus whatever points elsewhere."""
    env = dict(os.environ if base is None else base)
    for name in list(env):
        if name in _FOREIGN_AWS_VARIABLES or name.startswith("AWS_ENDPOINT_URL_"):
            env.pop(name)
    env.update(settings)
    return env


def load_outputs(path: Path | str) -> dict[str, str]:
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return {str(k): str(v) for k, v in data.items()}


def write_outputs(path: Path | str, settings: Mapping[str, str]) -> None:
    """Write atomically: readers (the runner, the services) poll for this file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dict(settings), indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


class Bootstrap:
    def __init__(self, endpoint_url: str, stage: str = "local", region: str = REGION,
                 services_root: Path | str | None = None, phone_number: str = DEFAULT_PHONE_NUMBER,
                 resources_dir: Path | str = RESOURCES_DIR, state_machine_file: Path | str = STATE_MACHINE_FILE):
        self.endpoint_url = endpoint_url.rstrip("/")
        self.stage = stage
        self.region = region
        self.services_root = Path(services_root or DEFAULT_SERVICES_ROOT)
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

    # -- IAM and Lambda --------------------------------------------------------------
    def ensure_role(self, name: str, trust: dict[str, Any]) -> str:
        iam = self.client("iam")
        try:
            return iam.get_role(RoleName=name)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

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

    # -- Pinpoint --------------------------------------------------------------------
    def ensure_pinpoint_app(self) -> str:
        pinpoint = self.client("pinpoint")
        name = self._name("")
        app_id = None
        token = None
        while app_id is None:
            kwargs = {"Token": token} if token else {}
            response = pinpoint.get_apps(**kwargs)["ApplicationsResponse"]
            for app in response.get("Item", []):
                if app["Name"] == name:
                    app_id = app["Id"]
            token = response.get("NextToken")
            if not token:
                break
        if app_id is None:
            app_id = pinpoint.create_app(CreateApplicationRequest={"Name": name})["ApplicationResponse"]["Id"]
        channel = None
        try:
            channel = pinpoint.get_sms_channel(ApplicationId=app_id)["SMSChannelResponse"]
        except pinpoint.exceptions.NotFoundException:
            pass  # no channel yet: created below
        if not channel or not channel.get("Enabled"):
            pinpoint.update_sms_channel(ApplicationId=app_id, SMSChannelRequest={"Enabled": True})
        return app_id

    # -- everything ------------------------------------------------------------------
    def run(self) -> dict[str, str]:
        lambda_role = self.ensure_role(self._name("lambda"), _TRUST_LAMBDA)
        states_role = self.ensure_role(self._name("states"), _TRUST_STATES)
        arns = {handler: self.ensure_function(service, handler, lambda_role) for service, handler in FUNCTIONS}
        pool_id, client_id = self.ensure_user_pool(arns["post_confirmation"])
        tables = self.ensure_tables()
        state_machine_arn = self.ensure_state_machine(arns["send_reminder"], states_role)
        instance_arn, admin_arn = self.ensure_app_instance()
        sma_id = self.ensure_sip_media_application(arns["sma_handler"])
        pinpoint_app_id = self.ensure_pinpoint_app()
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
            "TELEHEALTH_AUDIT_TABLE": tables["audit"],
            "TELEHEALTH_STATE_MACHINE_ARN": state_machine_arn,
            "TELEHEALTH_PINPOINT_APP_ID": pinpoint_app_id,
            "TELEHEALTH_SMS_ORIGINATION_NUMBER": self.phone_number,
            "TELEHEALTH_SIP_MEDIA_APPLICATION_ID": sma_id,
            "TELEHEALTH_PHONE_NUMBER": self.phone_number,
            "TELEHEALTH_REMINDER_LEAD_MINUTES": "",
            # No X-Ray daemon locally: Powertools Tracer stays off (and unimported).
            "POWERTOOLS_TRACE_DISABLED": "true",
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


def bootstrap(endpoint_url: str, **options: Any) -> dict[str, str]:
    """Create (or find) every shared resource; return the services' settings."""
    return Bootstrap(endpoint_url, **options).run()
