"""Creates every shared resource the services need on the local endpoint, idempotently, from the
definition files Terraform reads too, and returns the services' settings (the stack's outputs).

Everything is created with boto3 against the endpoint itself, so bootstrap exercises the same
request paths the services use. Running it again finds each resource by name and reuses it.
"""
from __future__ import annotations

import io
import json
import os
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, Mapping

from .lambda_runtime import CHALICE_DEFAULT_TIMEOUT, DEFAULT_SERVICES_ROOT, chalice_function_config
from .policies import POLICIES_DIR, SERVICE_POLICIES, SESSION_POLICY, render

REPO_ROOT = Path(__file__).resolve().parents[3]
RESOURCES_DIR = REPO_ROOT / "infra" / "resources"
STATE_MACHINE_FILE = REPO_ROOT / "infra" / "statemachine" / "reminders.asl.json"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # nosec B105: the local stack's fixed, public test credentials
# 555-0100 to 555-0199 are reserved for fiction in the North American plan; libphonenumber
# accepts +1 202 555 0100 as a valid number, so End User Messaging's and Chime's checks pass.
DEFAULT_PHONE_NUMBER = "+12025550100"
ADMIN_USER_ID = "telehealth-service"
# The clinic's first admin (on AWS: Terraform's first_admin_email) and the invitations' sender.
LOCAL_ADMIN_EMAIL = "admin@clinic.example.com"
EMAIL_SENDER = "no-reply@clinic.example.com"
# Outputs for people (make run prints them), kept out of the services' environment.
_PERSON_OUTPUTS = ("TELEHEALTH_LOCAL_ADMIN_EMAIL", "TELEHEALTH_LOCAL_ADMIN_PASSWORD")
# Lambda functions each service deploys (Chalice names them telehealth-<service>-<stage>-<handler>).
FUNCTIONS = (("identity", "post_confirmation"), ("scheduling", "send_reminder"), ("calling", "sma_handler"))
_TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "lambda.amazonaws.com"}}]}
_TRUST_STATES = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "states.amazonaws.com"}}]}
# AssumeRole with long-term (root) keys may last up to 12 hours when the role allows it; the
# service processes get credentials once at start-up (see docs/local-stack.md).
ROLE_SESSION_SECONDS = 12 * 3600
POLICIES_DIR_VARIABLE = "TELEHEALTH_LOCAL_POLICIES_DIR"
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
    env.update({k: v for k, v in settings.items() if k not in _PERSON_OUTPUTS})
    for name in _PERSON_OUTPUTS:
        env.pop(name, None)
    return env


def load_outputs(path: Path | str) -> dict[str, str]:
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return {str(k): str(v) for k, v in data.items()}


def write_outputs(path: Path | str, settings: Mapping[str, str], private: bool = False) -> None:
    """Write atomically: readers (the runner, the services) poll for this file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dict(settings), indent=2, sort_keys=True) + "\n")
    if private:  # secrets: readable by this user only
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def role_credentials_path(outputs_path: Path | str) -> Path:
    """Where the endpoint writes each service role's temporary credentials (next to the outputs)."""
    return Path(outputs_path).with_name("role-credentials.json")


def load_role_credentials(outputs_path: Path | str, service: str) -> dict[str, str]:
    """The AWS_* variables a process of `service` runs with (its role's session)."""
    return json.loads(load_outputs(role_credentials_path(outputs_path))[service])


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
    def ensure_role(self, name: str, trust: dict[str, Any], max_session: int = ROLE_SESSION_SECONDS) -> str:
        iam = self.client("iam")
        try:
            arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                                   MaxSessionDuration=max_session)["Role"]["Arn"]
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
        return arn

    def service_role_name(self, service: str) -> str:
        return self._name(service)

    def ensure_service_roles(self) -> dict[str, str]:
        """One role per service (Lambda trust, as Terraform creates them) and the messaging
        session role, which only the messaging role may assume."""
        arns = {service: self.ensure_role(self.service_role_name(service), _TRUST_LAMBDA)
                for service in SERVICE_POLICIES}
        session_trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": arns["messaging"]}}]}
        arns[SESSION_POLICY] = self.ensure_role(self._name(SESSION_POLICY), session_trust, max_session=3600)
        return arns

    def put_service_policies(self, variables: dict[str, str]) -> None:
        """The policy documents of infra/policies/, filled with this stack's ARNs."""
        iam = self.client("iam")
        # Tests point this elsewhere to run the stack with a grant taken away.
        directory = os.environ.get(POLICIES_DIR_VARIABLE) or POLICIES_DIR
        for service in SERVICE_POLICIES:
            iam.put_role_policy(RoleName=self.service_role_name(service), PolicyName=f"{service}-service",
                                PolicyDocument=json.dumps(render(service, variables, directory)))
        iam.put_role_policy(RoleName=self._name(SESSION_POLICY), PolicyName="connect",
                            PolicyDocument=json.dumps(render(SESSION_POLICY, variables, directory)))

    def assume_service_roles(self) -> dict[str, dict[str, str]]:
        """Temporary credentials of each service's role, as its processes' AWS_* variables."""
        sts = self.client("sts")
        credentials = {}
        for service in SERVICE_POLICIES:
            role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{self.service_role_name(service)}"
            issued = sts.assume_role(RoleArn=role_arn, RoleSessionName=f"telehealth-{service}-{self.stage}",
                                     DurationSeconds=ROLE_SESSION_SECONDS)["Credentials"]
            credentials[service] = {
                "AWS_ACCESS_KEY_ID": issued["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": issued["SecretAccessKey"],
                "AWS_SESSION_TOKEN": issued["SessionToken"],
                "TELEHEALTH_LOCAL_CREDENTIALS_EXPIRE": issued["Expiration"].isoformat(),
            }
        return credentials

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

    # -- End User Messaging SMS ------------------------------------------------------
    def ensure_sms(self) -> tuple[str, str]:
        """The origination number (registered outside the API, as on AWS), the stage's opt-out
        list it uses and its configuration set; returns (number ARN, configuration set name)."""
        sms = self.client("pinpoint-sms-voice-v2")
        opt_outs = self._name("opt-outs")
        configuration_set = self._name("")
        try:
            sms.describe_opt_out_lists(OptOutListNames=[opt_outs])
        except sms.exceptions.ResourceNotFoundException:
            sms.create_opt_out_list(OptOutListName=opt_outs)
        try:
            sms.describe_configuration_sets(ConfigurationSetNames=[configuration_set])
        except sms.exceptions.ResourceNotFoundException:
            sms.create_configuration_set(ConfigurationSetName=configuration_set)
            sms.set_default_message_type(ConfigurationSetName=configuration_set, MessageType="TRANSACTIONAL")
        # Through the control API: the number is registered outside the API, as on AWS.
        request = urllib.request.Request(
            f"{self.endpoint_url}/_local/sms/origination-numbers", method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps({"phone_number": self.phone_number, "opt_out_list_name": opt_outs, "region": self.region,
                             "access_key": CREDENTIALS["AWS_ACCESS_KEY_ID"]}).encode())
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, never a proxy
        with opener.open(request, timeout=30) as response:  # nosec B310: our own endpoint URL
            number = json.loads(response.read())
        return number["phone_number_arn"], configuration_set

    # -- the first admin and the e-mail sender -----------------------------------------
    def ensure_first_admin(self, pool_id: str, instance_arn: str) -> tuple[str, str]:
        """The clinic admin that exists from the start.

        Made as an operator would: AdminCreateUser, a permanent password, the admin group, and
        its AppInstanceUser first (a user in a role group is always fully provisioned). Its random
        password is kept in SSM Parameter Store (SecureString), as an operator would keep it, so a
        second bootstrap of the same stack finds it and changes nothing.
        """
        import secrets

        cognito, ssm = self.client("cognito-idp"), self.client("ssm")
        parameter = f"/{self._name('')}/first-admin-password"
        try:
            password = ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
        except ssm.exceptions.ParameterNotFound:
            password = f"Adm1n-{secrets.token_urlsafe(12)}!"
            ssm.put_parameter(Name=parameter, Value=password, Type="SecureString")
        try:
            created = cognito.admin_create_user(
                UserPoolId=pool_id, Username=LOCAL_ADMIN_EMAIL, MessageAction="SUPPRESS", TemporaryPassword=password,
                UserAttributes=[{"Name": "email", "Value": LOCAL_ADMIN_EMAIL}, {"Name": "email_verified", "Value": "true"},
                                {"Name": "name", "Value": "Clinic admin"}, {"Name": "custom:role", "Value": "admin"}])
            attributes = created["User"]["Attributes"]
        except cognito.exceptions.UsernameExistsException:
            attributes = cognito.admin_get_user(UserPoolId=pool_id, Username=LOCAL_ADMIN_EMAIL)["UserAttributes"]
        sub = next(a["Value"] for a in attributes if a["Name"] == "sub")
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=LOCAL_ADMIN_EMAIL, Password=password, Permanent=True)
        identity = self.client("chime-sdk-identity")
        try:
            identity.create_app_instance_user(AppInstanceArn=instance_arn, AppInstanceUserId=sub, Name="Clinic admin",
                                              ClientRequestToken=sub)
        except identity.exceptions.ConflictException:
            pass  # made by an earlier bootstrap
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=sub, GroupName="admin")
        return LOCAL_ADMIN_EMAIL, password

    # -- SES (e-mail the services send: guest codes) ---------------------------------------
    def ensure_email_sender(self) -> str:
        """The verified SES identity invitations and guest codes are sent from (SES sends only
        from verified identities)."""
        sesv2 = self.client("sesv2")
        sender = EMAIL_SENDER
        try:
            sesv2.get_email_identity(EmailIdentity=sender)
        except sesv2.exceptions.NotFoundException:
            sesv2.create_email_identity(EmailIdentity=sender)
        return sender

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


def bootstrap(endpoint_url: str, **options: Any) -> dict[str, str]:
    """Create (or find) every shared resource; return the services' settings."""
    return Bootstrap(endpoint_url, **options).run()
