"""The local resources that reach people: the SMS origination number, the e-mail sender and the clinic's first admin."""
from __future__ import annotations

import json
import urllib.request
from typing import Any

from ..layout import CREDENTIALS

# The clinic's first admin (on AWS: Terraform's first_admin_email) and the invitations' sender.
LOCAL_ADMIN_EMAIL = "admin@clinic.example.com"
EMAIL_SENDER = "no-reply@clinic.example.com"


class ContactResources:
    """Mixed into Bootstrap, which provides `client`, `_name`, `endpoint_url`, `phone_number`
    and `region`."""

    client: Any
    endpoint_url: str
    phone_number: str
    region: str

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

