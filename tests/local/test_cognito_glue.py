"""Cognito glue: confirmation codes through the e-mail outbox and checked on confirm, the
post-confirmation trigger with Cognito's event shape and error answers, sign-up attribute
checks, the app client's write attributes, and hidden user existence (the app client has
PreventUserExistenceErrors ENABLED).

The stack's app client writes no attribute the services trust, so the tests that sign up with
attributes use a second client of the same pool that may write them."""
from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from stack_fixture import start_stack

pytestmark = pytest.mark.timeout(120)

FIXTURE_SERVICES = Path(__file__).parent / "fixtures" / "services"
PASSWORD = "Correct-Horse-9-Battery"
_counter = itertools.count()


@pytest.fixture(scope="module")
def stack():
    with start_stack(services_root=FIXTURE_SERVICES) as running:
        yield running


@pytest.fixture()
def cognito(stack):
    return stack.client("cognito-idp")


_OPEN_CLIENT: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def open_client(stack):
    """A client of the stack's pool allowed to write the attributes these tests sign up with."""
    created = stack.client("cognito-idp").create_user_pool_client(
        UserPoolId=stack.settings["TELEHEALTH_USER_POOL_ID"], ClientName="glue-test-open",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED",
        WriteAttributes=["email", "name", "phone_number", "custom:role", "custom:colour"])
    _OPEN_CLIENT[:] = [created["UserPoolClient"]["ClientId"]]
    return _OPEN_CLIENT[0]


def _email() -> str:
    return f"user{next(_counter)}@example.com"


def _sign_up(stack, cognito, email, name="Pat Tient", role="patient", password=PASSWORD, **extra):
    attributes = {"name": name, "phone_number": "+12025550143", "custom:role": role, **extra}
    return cognito.sign_up(ClientId=_OPEN_CLIENT[0], Username=email,
                           Password=password,
                           UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()])


def _confirm(stack, cognito, email, code):
    return cognito.confirm_sign_up(ClientId=_OPEN_CLIENT[0], Username=email,
                                   ConfirmationCode=code)


def _status(stack, cognito, email):
    return cognito.admin_get_user(UserPoolId=stack.settings["TELEHEALTH_USER_POOL_ID"], Username=email)["UserStatus"]


def _trigger_record(stack, user_sub):
    table = stack.settings["TELEHEALTH_CALLS_TABLE"]
    return stack.client("dynamodb").get_item(
        TableName=table, Key={"transaction_id": {"S": f"post-confirmation:{user_sub}"}}).get("Item")


def _error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_sign_up_sends_a_six_digit_code_to_the_email_outbox(stack, cognito):
    email = _email()
    result = _sign_up(stack, cognito, email)
    assert result["UserConfirmed"] is False
    assert result["CodeDeliveryDetails"] == {"Destination": "u***@e***", "DeliveryMedium": "EMAIL",
                                             "AttributeName": "email"}
    message = stack.wait_for_email(email)
    assert re.fullmatch(r"\d{6}", message["code"])
    assert message["subject"] == "Your verification code"
    assert message["code"] in message["body"]


def test_a_wrong_code_is_a_code_mismatch_and_leaves_the_user_unconfirmed(stack, cognito):
    email = _email()
    sub = _sign_up(stack, cognito, email)["UserSub"]
    code = stack.confirmation_code(email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(ClientError) as excinfo:
        _confirm(stack, cognito, email, wrong)
    assert _error(excinfo) == ("CodeMismatchException", "Invalid verification code provided, please try again.")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _status(stack, cognito, email) == "UNCONFIRMED"
    assert _trigger_record(stack, sub) is None


def test_the_right_code_confirms_and_fires_the_trigger_with_cognitos_event(stack, cognito, open_client):
    email = _email()
    sub = _sign_up(stack, cognito, email, name="Dr Ada", role="doctor")["UserSub"]
    _confirm(stack, cognito, email, stack.confirmation_code(email))
    assert _status(stack, cognito, email) == "CONFIRMED"

    record = _trigger_record(stack, sub)
    assert record is not None, "the post-confirmation trigger did not run"
    event = json.loads(record["event"]["S"])
    assert record["function_name"]["S"] == "telehealth-identity-local-post_confirmation"
    # Cognito allows a trigger 5 seconds, whatever the function's own timeout.
    assert 0 < int(record["remaining_ms"]["N"]) <= 5000
    assert event["version"] == "1"
    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert event["region"] == "us-east-1"
    assert event["userPoolId"] == stack.settings["TELEHEALTH_USER_POOL_ID"]
    assert event["userName"] == sub
    assert event["callerContext"]["clientId"] == open_client
    assert "awsSdkVersion" in event["callerContext"]
    assert event["response"] == {}
    attributes = event["request"]["userAttributes"]
    assert attributes["sub"] == sub
    assert attributes["email"] == email
    assert attributes["email_verified"] == "true"
    assert attributes["name"] == "Dr Ada"
    assert attributes["phone_number"] == "+12025550143"
    assert attributes["custom:role"] == "doctor"
    assert attributes["cognito:user_status"] == "CONFIRMED"


def test_a_confirmed_user_cannot_confirm_again(stack, cognito):
    email = _email()
    _sign_up(stack, cognito, email)
    code = stack.confirmation_code(email)
    _confirm(stack, cognito, email, code)
    with pytest.raises(ClientError) as excinfo:
        _confirm(stack, cognito, email, code)
    assert _error(excinfo)[0] == "NotAuthorizedException"


def test_resend_replaces_the_code(stack, cognito, open_client):
    email = _email()
    _sign_up(stack, cognito, email)
    first = stack.confirmation_code(email)
    resent = cognito.resend_confirmation_code(ClientId=open_client,
                                              Username=email)
    assert resent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    second = stack.wait_for_email(email, after=1)["code"]
    if second != first:
        with pytest.raises(ClientError) as excinfo:
            _confirm(stack, cognito, email, first)
        assert _error(excinfo)[0] == "CodeMismatchException"
    _confirm(stack, cognito, email, second)
    assert _status(stack, cognito, email) == "CONFIRMED"
    with pytest.raises(ClientError) as excinfo:
        cognito.resend_confirmation_code(ClientId=open_client, Username=email)
    assert _error(excinfo) == ("InvalidParameterException", "User is already confirmed.")


def test_a_raising_trigger_fails_confirm_but_the_user_stays_confirmed(stack, cognito):
    email = _email()
    sub = _sign_up(stack, cognito, email, name="Trigger Raises")["UserSub"]
    with pytest.raises(ClientError) as excinfo:
        _confirm(stack, cognito, email, stack.confirmation_code(email))
    assert _error(excinfo) == ("UserLambdaValidationException",
                               "PostConfirmation failed with error the trigger failed on purpose.")
    assert _status(stack, cognito, email) == "CONFIRMED"
    assert _trigger_record(stack, sub) is None


def test_a_trigger_running_past_five_seconds_is_an_unexpected_lambda_error(stack, cognito):
    email = _email()
    _sign_up(stack, cognito, email, name="Trigger Sleeps")
    with pytest.raises(ClientError) as excinfo:
        _confirm(stack, cognito, email, stack.confirmation_code(email))
    code, message = _error(excinfo)
    assert code == "UnexpectedLambdaException"
    assert "timeout" in message.lower()
    assert _status(stack, cognito, email) == "CONFIRMED"


def test_sign_up_enforces_the_password_policy(stack, cognito):
    with pytest.raises(ClientError) as excinfo:
        _sign_up(stack, cognito, _email(), password="short1!A")
    assert _error(excinfo)[0] == "InvalidPasswordException"
    with pytest.raises(ClientError) as excinfo:
        _sign_up(stack, cognito, _email(), password="nouppercase-or-digits!")
    assert _error(excinfo)[0] == "InvalidPasswordException"


@pytest.mark.parametrize("attributes", [
    [{"Name": "name", "Value": "A"}, {"Name": "phone_number", "Value": "+12025550143"},
     {"Name": "custom:role", "Value": "administrator"}],
    [{"Name": "name", "Value": "A"}, {"Name": "phone_number", "Value": "+12025550143"},
     {"Name": "custom:colour", "Value": "blue"}],
    [{"Name": "name", "Value": "A"}, {"Name": "phone_number", "Value": "202-555-0143"}],
], ids=["role-too-long", "unknown-attribute", "phone-not-e164"])
def test_sign_up_checks_attributes_against_the_schema(stack, cognito, open_client, attributes):
    email = _email()
    with pytest.raises(ClientError) as excinfo:
        cognito.sign_up(ClientId=open_client, Username=email,
                        Password=PASSWORD, UserAttributes=attributes)
    assert _error(excinfo)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as excinfo:
        _status(stack, cognito, email)
    assert _error(excinfo)[0] == "UserNotFoundException"
    assert not [m for m in stack.emails() if m["to"] == email]


def test_sign_in_before_confirming_is_refused(stack, cognito, open_client):
    email = _email()
    _sign_up(stack, cognito, email)
    with pytest.raises(ClientError) as excinfo:
        cognito.initiate_auth(ClientId=open_client, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})
    assert _error(excinfo)[0] == "UserNotConfirmedException"


def test_unknown_users_are_not_revealed(stack, cognito, open_client):
    client_id = open_client
    with pytest.raises(ClientError) as excinfo:
        cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "nobody@example.com", "PASSWORD": PASSWORD})
    assert _error(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as excinfo:
        cognito.confirm_sign_up(ClientId=client_id, Username="nobody@example.com", ConfirmationCode="123456")
    assert _error(excinfo)[0] == "CodeMismatchException"
    resent = cognito.resend_confirmation_code(ClientId=client_id, Username="nobody@example.com")
    assert resent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert not [m for m in stack.emails() if m["to"] == "nobody@example.com"]


def test_admin_confirm_sign_up_fires_the_trigger_too(stack, cognito):
    email = _email()
    sub = _sign_up(stack, cognito, email, name="Admin Confirmed")["UserSub"]
    cognito.admin_confirm_sign_up(UserPoolId=stack.settings["TELEHEALTH_USER_POOL_ID"], Username=email)
    assert _status(stack, cognito, email) == "CONFIRMED"
    event = json.loads(_trigger_record(stack, sub)["event"]["S"])
    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert event["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    # The code sent at sign-up is spent: confirming with it now is refused.
    with pytest.raises(ClientError) as excinfo:
        _confirm(stack, cognito, email, stack.confirmation_code(email))
    assert _error(excinfo)[0] == "NotAuthorizedException"


def test_lockout_after_five_failed_sign_ins_then_release():
    from telehealth_local.glue.cognito.lockout import LOCKOUT_AFTER_FAILURES, SignInLockout
    from telehealth_local.glue.cognito.responses import CognitoError

    now = [1000.0]
    lockout = SignInLockout(clock=lambda: now[0])
    key = ("client", "a@example.com")
    for _ in range(LOCKOUT_AFTER_FAILURES):
        lockout.refuse_if_locked(key)
        lockout.count(key, failed=True, succeeded=False)
    with pytest.raises(CognitoError) as locked:
        lockout.refuse_if_locked(key)
    assert locked.value.error_type == "NotAuthorizedException" and "attempts exceeded" in str(locked.value.message)
    now[0] += 5  # the sixth failure (while locked) doubled the lock to 2 s
    lockout.refuse_if_locked(key)
    lockout.count(key, failed=False, succeeded=True)
    lockout.refuse_if_locked(key)
    assert lockout.tracked() == {}


@pytest.mark.parametrize("attribute", ["name", "phone_number", "email", "custom:role", "phone_number_verified"])
def test_the_app_client_writes_no_trusted_attribute(stack, cognito, attribute):
    """As on AWS: SignUp or UpdateUserAttributes (access token) with an attribute outside the
    client's WriteAttributes is refused with NotAuthorizedException, and nothing changes."""
    app_client = stack.settings["TELEHEALTH_USER_POOL_CLIENT_ID"]
    value = {"phone_number": "+12025550199", "email": "other@example.com", "custom:role": "doctor",
             "phone_number_verified": "true"}.get(attribute, "Mallory")
    email = _email()
    with pytest.raises(ClientError) as excinfo:
        cognito.sign_up(ClientId=app_client, Username=email, Password=PASSWORD,
                        UserAttributes=[{"Name": attribute, "Value": value}])
    assert _error(excinfo) == ("NotAuthorizedException", "A client attempted to write unauthorized attribute")
    assert not [m for m in stack.emails() if m["to"] == email]

    _sign_up(stack, cognito, email, name="Pat Tient")
    _confirm(stack, cognito, email, stack.confirmation_code(email))
    tokens = cognito.initiate_auth(ClientId=app_client, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_attributes(AccessToken=tokens["AccessToken"],
                                       UserAttributes=[{"Name": attribute, "Value": value}])
    assert _error(excinfo)[0] == "NotAuthorizedException"
    attributes = {a["Name"]: a["Value"] for a in cognito.admin_get_user(
        UserPoolId=stack.settings["TELEHEALTH_USER_POOL_ID"], Username=email)["UserAttributes"]}
    assert (attributes["name"], attributes["email"], attributes["custom:role"]) == ("Pat Tient", email, "patient")
    assert attributes["phone_number"] == "+12025550143"
    # A client that may write an attribute can: the check follows the client's list.
    open_tokens = cognito.initiate_auth(ClientId=_OPEN_CLIENT[0], AuthFlow="USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]
    cognito.update_user_attributes(AccessToken=open_tokens["AccessToken"], UserAttributes=[{"Name": "name", "Value": "New"}])
