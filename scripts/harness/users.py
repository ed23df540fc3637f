"""Test users made the way real ones are: Cognito sign-up, the e-mailed code, confirmation (which
fires the identity service's post-confirmation trigger in the local stack), then sign-in.

The app client writes no attribute the services trust, so name, phone number and role are set
as the identity service (or an operator) sets them: AdminUpdateUserAttributes with the stack's
root credentials. That is also how a doctor or admin gets its role without an invitation here."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Mapping

import boto3
import requests

PASSWORD = "Str0ng!Passw0rd-Test"


@dataclass(frozen=True)
class TestUser:
    __test__ = False  # not a pytest test class

    email: str
    password: str
    name: str
    phone_number: str
    role: str
    user_id: str
    id_token: str
    access_token: str
    refresh_token: str
    app_instance_user_arn: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.id_token}"}


def cognito(settings: Mapping[str, str]) -> Any:
    return boto3.client("cognito-idp", region_name=settings.get("AWS_REGION", "us-east-1"),
                        endpoint_url=settings["AWS_ENDPOINT_URL"],
                        aws_access_key_id=settings.get("AWS_ACCESS_KEY_ID", "testing"),
                        aws_secret_access_key=settings.get("AWS_SECRET_ACCESS_KEY", "testing"))


def confirmation_code(endpoint: str, email: str) -> str:
    messages = requests.get(f"{endpoint}/_local/outbox/email", timeout=10).json()["messages"]
    codes = [m["code"] for m in messages if m.get("to") == email and m.get("code")]
    assert codes, f"no confirmation e-mail for {email}"
    return codes[-1]


def random_phone() -> str:
    # +1 415 555 01xx numbers are valid for libphonenumber and reserved for fiction.
    return f"+1415555{secrets.randbelow(10000):04d}"


def make_user(settings: Mapping[str, str], role: str, name: str | None = None, phone_number: str | None = None,
              confirm: bool = True, sign_in: bool = True) -> TestUser:
    """A confirmed, signed-in user of `role` in the stack whose settings are given."""
    client = cognito(settings)
    email = f"{role}-{secrets.token_hex(5)}@example.com"
    name = name or f"{role.title()} {secrets.token_hex(2)}"
    phone_number = phone_number or random_phone()
    signed_up = client.sign_up(ClientId=settings["TELEHEALTH_USER_POOL_CLIENT_ID"], Username=email, Password=PASSWORD)
    client.admin_update_user_attributes(
        UserPoolId=settings["TELEHEALTH_USER_POOL_ID"], Username=signed_up["UserSub"],
        UserAttributes=[{"Name": "name", "Value": name}, {"Name": "phone_number", "Value": phone_number},
                        {"Name": "custom:role", "Value": role}])
    tokens: dict[str, Any] = {}
    if confirm:
        client.confirm_sign_up(ClientId=settings["TELEHEALTH_USER_POOL_CLIENT_ID"], Username=email,
                               ConfirmationCode=confirmation_code(settings["AWS_ENDPOINT_URL"], email))
        if sign_in:
            tokens = client.initiate_auth(ClientId=settings["TELEHEALTH_USER_POOL_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
                                          AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]
    user_id = signed_up["UserSub"]
    return TestUser(email=email, password=PASSWORD, name=name, phone_number=phone_number, role=role, user_id=user_id,
                    id_token=tokens.get("IdToken", ""), access_token=tokens.get("AccessToken", ""),
                    refresh_token=tokens.get("RefreshToken", ""),
                    app_instance_user_arn=f"{settings['TELEHEALTH_APP_INSTANCE_ARN']}/user/{user_id}")
