"""The identity trust model on the local stack: roles only by invitation (one-time, hashed,
e-mailed, race-safe), attributes users cannot write behind the API, and phone changes verified
by a texted code before anyone texts or calls the new number."""
import json
import secrets
import threading

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from telehealth_shared.contact import reachable_number
from users import PASSWORD, cognito, confirmation_code, make_user, random_phone

JSON = {"content-type": "application/json"}


def call(client, method, path, body=None, headers=None):
    kwargs = {"headers": {**JSON, **(headers or {})}}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response = getattr(client.http, method)(path, **kwargs)
    return response.status_code, json.loads(response.body)


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def admin(api, settings):
    status, tokens = call(api, "post", "/signin", {"email": settings["TELEHEALTH_LOCAL_ADMIN_EMAIL"],
                                                   "password": settings["TELEHEALTH_LOCAL_ADMIN_PASSWORD"]})
    assert status == 200
    return auth(tokens["id_token"])


def dynamodb(settings):
    return boto3.client("dynamodb", region_name="us-east-1", endpoint_url=settings["AWS_ENDPOINT_URL"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def emails_to(settings, address):
    messages = requests.get(f"{settings['AWS_ENDPOINT_URL']}/_local/outbox/email", timeout=10).json()["messages"]
    return [m for m in messages if m["to"] == address]


def sms_to(settings, number):
    messages = requests.get(f"{settings['AWS_ENDPOINT_URL']}/_local/outbox/sms", timeout=10).json()["messages"]
    return [m for m in messages if m["to"] == number]


def groups(settings, username):
    return [g["GroupName"] for g in cognito(settings).admin_list_groups_for_user(
        UserPoolId=settings["TELEHEALTH_USER_POOL_ID"], Username=username)["Groups"]]


def invite(api, admin, settings, role="doctor"):
    email = f"invited-{secrets.token_hex(4)}@example.com"
    status, created = call(api, "post", "/invitations", {"email": email, "name": "Dr Invited", "role": role}, admin)
    assert status == 201, created
    mails = emails_to(settings, email)
    assert len(mails) == 1 and mails[0]["code"] in mails[0]["body"]
    return email, created, mails[0]["code"]


def signup(email, role, code=None, **extra):
    body = {"email": email, "password": PASSWORD, "name": "Dr Invited", "phone_number": random_phone(), "role": role,
            **extra}
    if code is not None:
        body["invitation_code"] = code
    return body


def users_named(settings, email):
    return cognito(settings).list_users(UserPoolId=settings["TELEHEALTH_USER_POOL_ID"],
                                        Filter=f'email = "{email}"')["Users"]


def test_an_invited_doctor_signs_up_once_and_gets_the_role(api, admin, settings):
    email, created, code = invite(api, admin, settings)
    assert created["role"] == "doctor" and created["expires_at"].endswith("Z")
    item = dynamodb(settings).get_item(TableName=settings["TELEHEALTH_INVITATIONS_TABLE"],
                                       Key={"invitation_id": {"S": created["invitation_id"]}})["Item"]
    assert code not in json.dumps(item) and code.split(".")[1] not in json.dumps(item)
    assert item["status"]["S"] == "pending"

    status, user = call(api, "post", "/signup", signup(email, "doctor", code))
    assert status == 201 and user["role"] == "doctor"
    item = dynamodb(settings).get_item(TableName=settings["TELEHEALTH_INVITATIONS_TABLE"],
                                       Key={"invitation_id": {"S": created["invitation_id"]}})["Item"]
    assert item["status"]["S"] == "used" and item["used_by"]["S"] == user["user_id"]
    code_mail = confirmation_code(settings["AWS_ENDPOINT_URL"], email)
    assert call(api, "post", "/confirm", {"email": email, "code": code_mail})[0] == 200
    assert groups(settings, user["user_id"]) == ["doctor"]

    # Used once: a second sign-up with it is refused and creates nothing.
    other = f"other-{secrets.token_hex(4)}@example.com"
    assert call(api, "post", "/signup", signup(other, "doctor", code))[0] == 403
    assert users_named(settings, other) == []
    status, page = call(api, "get", "/invitations?limit=100", headers=admin)
    listed = {i["invitation_id"]: i for i in page["invitations"]}
    assert listed[created["invitation_id"]]["status"] == "used"


@pytest.mark.parametrize("case", ["no code", "wrong role", "wrong email", "wrong secret", "garbage", "patient+code"])
def test_sign_up_without_a_matching_invitation_is_403_and_creates_nothing(api, admin, settings, case):
    email, created, code = invite(api, admin, settings, role="doctor")
    inviting_id, secret = code.split(".")
    body = {
        "no code": signup(email, "doctor"),
        "wrong role": signup(email, "admin", code),
        "wrong email": signup(f"x{email}", "doctor", code),
        "wrong secret": signup(email, "doctor", f"{inviting_id}.{secret[::-1]}"),
        "garbage": signup(email, "doctor", "nodot"),
        "patient+code": signup(email, "patient", code),
    }[case]
    status, error = call(api, "post", "/signup", body)
    assert status == 403 and error["error"]["code"] == "Forbidden"
    assert users_named(settings, body["email"]) == []
    item = dynamodb(settings).get_item(TableName=settings["TELEHEALTH_INVITATIONS_TABLE"],
                                       Key={"invitation_id": {"S": created["invitation_id"]}})["Item"]
    assert item["status"]["S"] == "pending"


def test_revoked_and_expired_invitations_are_refused(api, admin, settings):
    email, created, code = invite(api, admin, settings, role="admin")
    assert call(api, "delete", f"/invitations/{created['invitation_id']}", headers=admin) == (
        200, {"invitation_id": created["invitation_id"], "status": "revoked"})
    assert call(api, "post", "/signup", signup(email, "admin", code))[0] == 403
    assert call(api, "delete", f"/invitations/{'0' * 32}", headers=admin)[0] == 404

    email, created, code = invite(api, admin, settings, role="admin")
    dynamodb(settings).update_item(TableName=settings["TELEHEALTH_INVITATIONS_TABLE"],
                                   Key={"invitation_id": {"S": created["invitation_id"]}},
                                   UpdateExpression="SET expires_at = :past", ExpressionAttributeValues={":past": {"N": "1000"}})
    assert call(api, "post", "/signup", signup(email, "admin", code))[0] == 403
    status, page = call(api, "get", "/invitations?limit=100", headers=admin)
    assert {i["invitation_id"]: i["status"] for i in page["invitations"]}[created["invitation_id"]] == "expired"
    assert users_named(settings, email) == []


def test_two_sign_ups_with_one_code_at_once_make_one_user(api, admin, settings):
    from chalice.test import Client

    import app as identity

    for _ in range(3):
        email, created, code = invite(api, admin, settings)
        barrier = threading.Barrier(2)
        results = []

        def attempt(body):
            with Client(identity.app) as own:
                barrier.wait()
                results.append(call(own, "post", "/signup", body)[0])

        bodies = [signup(email, "doctor", code), signup(email, "doctor", code, name="Dr Twin")]
        threads = [threading.Thread(target=attempt, args=(b,)) for b in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) in ([201, 403], [201, 409])
        assert len(users_named(settings, email)) == 1


def test_invitation_endpoints_are_for_admins_only(api, admin, settings):
    doctor = make_user(settings, "doctor")
    patient = make_user(settings, "patient")
    for headers in (doctor.headers, patient.headers):
        assert call(api, "post", "/invitations", {"email": "a@example.com", "name": "A", "role": "doctor"}, headers)[0] == 403
        assert call(api, "get", "/invitations", headers=headers)[0] == 403
        assert call(api, "delete", f"/invitations/{'a' * 32}", headers=headers)[0] == 403
    for bad in ({"email": "a@example.com", "name": "A", "role": "patient"}, {"email": "nope", "name": "A", "role": "doctor"},
                {"email": "a@example.com", "role": "doctor"}):
        assert call(api, "post", "/invitations", bad, admin)[0] == 400


def test_the_app_client_cannot_write_trusted_attributes(api, settings):
    patient = make_user(settings, "patient")
    client = cognito(settings)
    for attribute, value in (("phone_number", random_phone()), ("name", "Mallory"), ("email", "m@example.com"),
                             ("custom:role", "doctor")):
        with pytest.raises(ClientError) as refused:
            client.update_user_attributes(AccessToken=patient.access_token,
                                          UserAttributes=[{"Name": attribute, "Value": value}])
        assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
        with pytest.raises(ClientError) as refused:
            client.sign_up(ClientId=settings["TELEHEALTH_USER_POOL_CLIENT_ID"], Password=PASSWORD,
                           Username=f"direct-{secrets.token_hex(4)}@example.com",
                           UserAttributes=[{"Name": attribute, "Value": value}])
        assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    attributes = {a["Name"]: a["Value"] for a in client.admin_get_user(
        UserPoolId=settings["TELEHEALTH_USER_POOL_ID"], Username=patient.user_id)["UserAttributes"]}
    assert (attributes["phone_number"], attributes["name"], attributes["custom:role"]) == (
        patient.phone_number, patient.name, "patient")


def test_a_changed_number_is_verified_by_a_texted_code(api, settings):
    patient = make_user(settings, "patient")
    status, me = call(api, "get", "/me", headers=patient.headers)
    assert me["phone_number_verified"] is False and reachable_number(_attributes(settings, patient)) == patient.phone_number

    new_number = random_phone()
    status, me = call(api, "patch", "/me", {"name": "Bob Newname", "phone_number": new_number}, patient.headers)
    assert status == 200 and (me["name"], me["phone_number"], me["phone_number_verified"]) == ("Bob Newname", new_number, False)
    chime = boto3.client("chime-sdk-identity", region_name="us-east-1", endpoint_url=settings["AWS_ENDPOINT_URL"],
                         aws_access_key_id="testing", aws_secret_access_key="testing")
    assert chime.describe_app_instance_user(AppInstanceUserArn=patient.app_instance_user_arn)["AppInstanceUser"]["Name"] == "Bob Newname"
    assert reachable_number(_attributes(settings, patient)) is None
    texts = sms_to(settings, new_number)
    assert len(texts) == 1
    code = texts[0]["body"].split("code is ")[1][:6]
    item = dynamodb(settings).get_item(TableName=settings["TELEHEALTH_VERIFICATIONS_TABLE"],
                                       Key={"user_id": {"S": patient.user_id}})["Item"]
    assert code not in json.dumps(item)

    wrong = "000000" if code != "000000" else "111111"
    status, error = call(api, "post", "/me/phone/confirm", {"code": wrong}, patient.headers)
    assert status == 400 and error["error"]["code"] == "ValidationError"
    status, me = call(api, "post", "/me/phone/confirm", {"code": code}, patient.headers)
    assert status == 200 and me["phone_number_verified"] is True
    assert reachable_number(_attributes(settings, patient)) == new_number
    # Spent: the same code does not confirm again.
    assert call(api, "post", "/me/phone/confirm", {"code": code}, patient.headers)[0] == 400


def test_phone_codes_have_an_attempt_limit(api, settings):
    patient = make_user(settings, "patient")
    new_number = random_phone()
    assert call(api, "patch", "/me", {"phone_number": new_number}, patient.headers)[0] == 200
    code = sms_to(settings, new_number)[-1]["body"].split("code is ")[1][:6]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert call(api, "post", "/me/phone/confirm", {"code": wrong}, patient.headers)[0] == 400
    assert call(api, "post", "/me/phone/confirm", {"code": code}, patient.headers)[0] == 400
    assert reachable_number(_attributes(settings, patient)) is None
    # Asking again for the same number sends a fresh code that works.
    assert call(api, "patch", "/me", {"phone_number": new_number}, patient.headers)[0] == 200
    code = sms_to(settings, new_number)[-1]["body"].split("code is ")[1][:6]
    assert call(api, "post", "/me/phone/confirm", {"code": code}, patient.headers)[1]["phone_number_verified"] is True


@pytest.mark.parametrize("body", [{"phone_number": "12345"}, {"name": ""}, {"email": "x@example.com"}, {"role": "doctor"}])
def test_patch_me_refuses_bad_fields(api, settings, body):
    patient = make_user(settings, "patient", sign_in=True)
    assert call(api, "patch", "/me", body, patient.headers)[0] == 400


def _attributes(settings, user):
    return {a["Name"]: a["Value"] for a in cognito(settings).admin_get_user(
        UserPoolId=settings["TELEHEALTH_USER_POOL_ID"], Username=user.user_id)["UserAttributes"]}


def test_patient_directory_scopes(api, admin, settings):
    from test_identity_api import book

    doctor = make_user(settings, "doctor")
    tag = secrets.token_hex(3)
    mine = make_user(settings, "patient", name=f"Quin{tag} Mine")
    theirs = make_user(settings, "patient", name=f"Quin{tag} Theirs")
    colleague = make_user(settings, "doctor", name=f"Quin{tag} Doctor")
    book(settings, doctor, mine)
    assert [p["user_id"] for p in call(api, "get", f"/patients?q=quin{tag}", headers=doctor.headers)[1]["patients"]] == [mine.user_id]
    assert call(api, "get", "/patients?q=q", headers=doctor.headers)[1]["patients"] == [
        {"user_id": mine.user_id, "name": mine.name, "email": mine.email}]
    # E-mail: exactly one patient of the whole clinic, case-insensitive; never a doctor.
    status, page = call(api, "get", f"/patients?email={theirs.email.upper()}", headers=doctor.headers)
    assert status == 200 and [p["user_id"] for p in page["patients"]] == [theirs.user_id]
    assert call(api, "get", f"/patients?email={colleague.email}", headers=doctor.headers)[1]["patients"] == []
    assert call(api, "get", f"/patients?email={settings['TELEHEALTH_LOCAL_ADMIN_EMAIL']}", headers=admin)[1]["patients"] == []
    # An admin searches everyone.
    found = call(api, "get", f"/patients?q=quin{tag}", headers=admin)[1]["patients"]
    assert sorted(p["user_id"] for p in found) == sorted([mine.user_id, theirs.user_id])
