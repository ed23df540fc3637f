"""Identity service on the local stack: sign-up to profile, every bad input, token checks,
provisioning by the trigger and its repair, and patient search."""
import json
import secrets
import time

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from users import PASSWORD, cognito, confirmation_code, make_user, random_phone

JSON = {"content-type": "application/json"}


def post(client, path, body, headers=None):
    response = client.http.post(path, body=json.dumps(body), headers={**JSON, **(headers or {})})
    return response.status_code, json.loads(response.body)


def get(client, path, headers=None):
    response = client.http.get(path, headers=headers or {})
    return response.status_code, json.loads(response.body)


def signup_body(**overrides):
    body = {"email": f"user-{secrets.token_hex(4)}@example.com", "password": PASSWORD, "name": "Dr Ada",
            "phone_number": random_phone()}
    body.update(overrides)
    return body


def chime_identity(settings):
    return boto3.client("chime-sdk-identity", region_name="us-east-1", endpoint_url=settings["AWS_ENDPOINT_URL"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_sign_up_confirm_sign_in_and_profile(api, settings):
    body = signup_body(email="Ada.Doctor-%s@Example.com" % secrets.token_hex(3))
    status, created = post(api, "/signup", body)
    assert status == 201 and created["confirmed"] is False and created["role"] == "patient"
    email = body["email"].lower()
    assert created["email"] == email

    status, error = post(api, "/signin", {"email": email, "password": PASSWORD})
    assert status == 403 and error["error"]["code"] == "Forbidden"

    status, error = post(api, "/confirm", {"email": email, "code": "000000"})
    assert status == 400 and error["error"]["code"] == "ValidationError"
    code = confirmation_code(settings["AWS_ENDPOINT_URL"], email)
    if code == "000000":
        pytest.skip("the generated code collided with the wrong one")
    assert post(api, "/confirm", {"email": email, "code": code}) == (200, {"confirmed": True})

    status, tokens = post(api, "/signin", {"email": email, "password": PASSWORD})
    assert status == 200 and tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0
    assert set(tokens) == {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["cognito:groups"] == ["patient"]

    status, me = get(api, "/me", {"Authorization": f"Bearer {tokens['id_token']}"})
    assert status == 200
    assert me == {"user_id": created["user_id"], "email": email, "name": "Dr Ada", "phone_number": body["phone_number"],
                  "phone_number_verified": False, "role": "patient", "app_instance_user_arn": f"{settings['TELEHEALTH_APP_INSTANCE_ARN']}/user/{created['user_id']}"}
    described = chime_identity(settings).describe_app_instance_user(AppInstanceUserArn=me["app_instance_user_arn"])
    assert described["AppInstanceUser"]["Name"] == "Dr Ada"

    status, refreshed = post(api, "/refresh", {"refresh_token": tokens["refresh_token"]})
    assert status == 200 and set(refreshed) == {"id_token", "access_token", "expires_in", "token_type"}
    assert get(api, "/me", {"Authorization": f"Bearer {refreshed['id_token']}"})[0] == 200
    assert post(api, "/refresh", {"refresh_token": "not-a-refresh-token"})[0] == 401


@pytest.mark.parametrize("change,path", [
    ({"email": "not-an-email"}, "$.email"),
    ({"email": ""}, "$.email"),
    ({"phone_number": "4155550100"}, "$.phone_number"),
    ({"phone_number": "+1 415 555 0100"}, "$.phone_number"),
    ({"role": "nurse"}, "$.role"),
    ({"name": ""}, "$.name"),
    ({"password": "weakpassword"}, "$.password"),
    ({"admin": True}, "$.admin"),
])
def test_sign_up_rejects_bad_fields(api, change, path):
    status, error = post(api, "/signup", signup_body(**change))
    assert status == 400 and error["error"]["code"] == "ValidationError"
    assert [d["path"] for d in error["error"]["details"]] == [path]
    if path == "$.password":
        assert "password needs" in error["error"]["details"][0]["message"]


def test_sign_up_missing_fields_and_bad_json(api):
    status, error = post(api, "/signup", {"email": "a@example.com"})
    assert status == 400 and {d["path"] for d in error["error"]["details"]} == {"$.password", "$.name", "$.phone_number"}
    response = api.http.post("/signup", body="{not json", headers=JSON)
    assert response.status_code == 400


def test_duplicate_email_is_conflict(api, settings):
    user = make_user(settings, "patient")
    status, error = post(api, "/signup", signup_body(email=user.email, role="patient"))
    assert status == 409 and error["error"]["code"] == "Conflict"


def test_wrong_password_and_unknown_email_look_the_same(api, settings):
    user = make_user(settings, "patient")
    wrong = post(api, "/signin", {"email": user.email, "password": "Wr0ng!Password-X"})
    unknown = post(api, "/signin", {"email": f"nobody-{secrets.token_hex(4)}@example.com", "password": "Wr0ng!Password-X"})
    assert wrong[0] == unknown[0] == 401
    assert wrong[1] == unknown[1]


def test_confirm_unknown_email_is_the_same_400(api):
    status, error = post(api, "/confirm", {"email": f"ghost-{secrets.token_hex(4)}@example.com", "code": "123456"})
    assert status == 400 and error["error"]["code"] == "ValidationError"


def _moto_private_key():
    """moto's fixed test signing key: lets a test mint validly signed tokens with bad claims."""
    from moto.utilities.utils import load_resource

    jwk = load_resource("cognitoidp/resources/jwks-private.json")
    return jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))


def test_me_refuses_every_bad_token(api, settings):
    user = make_user(settings, "doctor")
    claims = jwt.decode(user.id_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(user.id_token)["kid"]
    key = _moto_private_key()
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    bad_tokens = {
        "expired": jwt.encode({**claims, "exp": now - 600, "iat": now - 4200}, key, "RS256", headers={"kid": kid}),
        "forged": jwt.encode(claims, forged_key, "RS256", headers={"kid": kid}),
        "wrong audience": jwt.encode({**claims, "aud": "another-app-client"}, key, "RS256", headers={"kid": kid}),
        "wrong issuer": jwt.encode({**claims, "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"}, key, "RS256", headers={"kid": kid}),
        "access token": user.access_token,
        "malformed": "abc.def.ghi",
        "garbage": "x",
    }
    # Control: the same claims re-signed with the pool's key are accepted, so each refusal
    # below is for the one thing that was changed.
    resigned = jwt.encode(claims, key, "RS256", headers={"kid": kid})
    assert get(api, "/me", {"Authorization": f"Bearer {resigned}"})[0] == 200
    for label, token in bad_tokens.items():
        status, error = get(api, "/me", {"Authorization": f"Bearer {token}"})
        assert (status, error["error"]["code"]) == (401, "Unauthorized"), label
    assert get(api, "/me")[0] == 401
    assert get(api, "/me", {"Authorization": user.id_token})[0] == 401
    assert get(api, "/me", user.headers)[0] == 200


def _unprovisioned_user(settings, role="patient"):
    """A confirmed user whose post-confirmation trigger never ran (admin-created)."""
    client = cognito(settings)
    pool = settings["TELEHEALTH_USER_POOL_ID"]
    email = f"legacy-{secrets.token_hex(4)}@example.com"
    created = client.admin_create_user(
        UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": "Legacy User"},
                        {"Name": "phone_number", "Value": random_phone()}, {"Name": "custom:role", "Value": role}])
    client.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
    user_id = next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub")
    return email, user_id


def _groups(settings, user_id):
    return [g["GroupName"] for g in cognito(settings).admin_list_groups_for_user(
        UserPoolId=settings["TELEHEALTH_USER_POOL_ID"], Username=user_id)["Groups"]]


def test_sign_in_repairs_a_user_the_trigger_missed(api, settings):
    email, user_id = _unprovisioned_user(settings)
    assert _groups(settings, user_id) == []
    status, tokens = post(api, "/signin", {"email": email, "password": PASSWORD})
    assert status == 200
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["cognito:groups"] == ["patient"]
    assert _groups(settings, user_id) == ["patient"]
    arn = f"{settings['TELEHEALTH_APP_INSTANCE_ARN']}/user/{user_id}"
    assert chime_identity(settings).describe_app_instance_user(AppInstanceUserArn=arn)["AppInstanceUser"]["AppInstanceUserArn"] == arn
    assert post(api, "/signin", {"email": email, "password": PASSWORD})[0] == 200


def test_me_repairs_with_a_token_minted_before_provisioning(api, settings):
    email, user_id = _unprovisioned_user(settings, role="doctor")
    tokens = cognito(settings).initiate_auth(ClientId=settings["TELEHEALTH_USER_POOL_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
                                             AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]
    status, me = get(api, "/me", {"Authorization": f"Bearer {tokens['IdToken']}"})
    assert status == 200 and me["role"] == "doctor"
    assert _groups(settings, user_id) == ["doctor"]


def test_post_confirmation_trigger_is_idempotent(api, settings):
    import app as identity

    user = make_user(settings, "patient")
    event = {"version": "1", "triggerSource": "PostConfirmation_ConfirmSignUp", "region": "us-east-1",
             "userPoolId": settings["TELEHEALTH_USER_POOL_ID"], "userName": user.user_id,
             "callerContext": {"awsSdkVersion": "x", "clientId": settings["TELEHEALTH_USER_POOL_CLIENT_ID"]},
             "request": {"userAttributes": {"sub": user.user_id, "email": user.email, "name": user.name,
                                            "custom:role": "patient"}}, "response": {}}
    assert identity.post_confirmation(event, None) == event
    assert identity.post_confirmation(event, None) == event
    assert _groups(settings, user.user_id) == ["patient"]
    users = chime_identity(settings).list_app_instance_users(AppInstanceArn=settings["TELEHEALTH_APP_INSTANCE_ARN"], MaxResults=50)
    listed = [u for u in users["AppInstanceUsers"] if u["AppInstanceUserArn"] == user.app_instance_user_arn]
    assert len(listed) <= 1


def book(settings, doctor, patient):
    """An appointment item as scheduling writes it (identity reads only the doctor-index)."""
    appointment_id = secrets.token_hex(8)
    boto3.client("dynamodb", region_name="us-east-1", endpoint_url=settings["AWS_ENDPOINT_URL"],
                 aws_access_key_id="testing", aws_secret_access_key="testing").put_item(
        TableName=settings["TELEHEALTH_APPOINTMENTS_TABLE"],
        Item={"appointment_id": {"S": appointment_id}, "doctor_id": {"S": doctor.user_id},
              "patient_id": {"S": patient.user_id}, "starts_at_key": {"S": f"2026-12-24T10:00:00Z#{appointment_id}"}})


def test_patients_search_and_pages(api, settings):
    doctor = make_user(settings, "doctor")
    patient = make_user(settings, "patient")
    tag = secrets.token_hex(3)
    named = [make_user(settings, "patient", name=f"Zed{tag} {i}") for i in range(3)]
    for booked in [patient, *named, named[0]]:
        book(settings, doctor, booked)
    status, error = get(api, "/patients", patient.headers)
    assert status == 403 and error["error"]["code"] == "Forbidden"

    status, page = get(api, f"/patients?q=zed{tag}", doctor.headers)
    assert status == 200 and sorted(p["user_id"] for p in page["patients"]) == sorted(u.user_id for u in named)
    assert all(set(p) == {"user_id", "name", "email"} for p in page["patients"])
    status, page = get(api, f"/patients?q={patient.name[:9].upper()}", doctor.headers)
    assert status == 200 and patient.user_id in [p["user_id"] for p in page["patients"]]
    assert doctor.user_id not in [p["user_id"] for p in get(api, "/patients?limit=100", doctor.headers)[1]["patients"]]

    seen, token = [], None
    for _ in range(5):
        path = f"/patients?q=zed{tag}&limit=1" + (f"&next_token={token}" if token else "")
        status, page = get(api, path, doctor.headers)
        assert status == 200 and len(page["patients"]) <= 1
        seen += [p["user_id"] for p in page["patients"]]
        token = page.get("next_token")
        if not token:
            break
    assert sorted(seen) == sorted(u.user_id for u in named)
    for bad in ("limit=0", "limit=101", "next_token=garbage!", "q=", "unknown=1", "email=not-an-address"):
        assert get(api, f"/patients?{bad}", doctor.headers)[0] == 400, bad


def test_a_doctor_finds_a_patient_by_exact_email(api, settings):
    doctor = make_user(settings, "doctor")
    patient = make_user(settings, "patient")
    status, page = get(api, f"/patients?email={patient.email.upper()}", doctor.headers)
    assert status == 200 and page["patients"] == [{"user_id": patient.user_id, "name": patient.name, "email": patient.email}]
    # A prefix is not an address: nobody else is found.
    status, page = get(api, f"/patients?email=x{patient.email}", doctor.headers)
    assert status == 200 and page["patients"] == []
    assert get(api, f"/patients?email={doctor.email}", doctor.headers)[1]["patients"] == []


def test_a_failing_trigger_still_confirms_and_a_roleless_account_is_refused(api, settings):
    """The trigger raises for an account without a role: /confirm still
    succeeds (Cognito confirmed the user) and sign-in refuses with 403 instead of failing."""
    client = cognito(settings)
    email = f"odd-{secrets.token_hex(4)}@example.com"
    # Straight to Cognito, past the API: the app client may write no attribute, so no role.
    client.sign_up(ClientId=settings["TELEHEALTH_USER_POOL_CLIENT_ID"], Username=email, Password=PASSWORD)
    code = confirmation_code(settings["AWS_ENDPOINT_URL"], email)
    assert post(api, "/confirm", {"email": email, "code": code}) == (200, {"confirmed": True})
    status, error = post(api, "/signin", {"email": email, "password": PASSWORD})
    assert status == 403 and error["error"]["code"] == "Forbidden"


def test_repeated_failed_sign_ins_lock_the_account_with_429(api, settings):
    user = make_user(settings, "patient")
    for _ in range(5):
        assert post(api, "/signin", {"email": user.email, "password": "Wr0ng!Password-X"})[0] == 401
    status, error = post(api, "/signin", {"email": user.email, "password": user.password})
    assert status == 429 and error["error"]["code"] == "TooManyRequests"
    # Another account is unaffected by this one's lockout.
    other = make_user(settings, "patient")
    assert post(api, "/signin", {"email": other.email, "password": other.password})[0] == 200
