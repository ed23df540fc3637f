"""Conformance tests of the emulated Chime SDK identity service, through plain boto3 clients."""
from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError

from telehealth_local.emulator.chime_identity import app_instance_of

pytestmark = pytest.mark.timeout(60)

ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture
def identity(boto_client):
    return boto_client("chime-sdk-identity")


@pytest.fixture
def app_instance(identity) -> str:
    return identity.create_app_instance(Name="telehealth-test", Metadata="m")["AppInstanceArn"]


def add_user(identity, app_instance: str, user_id: str, name: str = "Some One") -> str:
    return identity.create_app_instance_user(AppInstanceArn=app_instance, AppInstanceUserId=user_id,
                                             Name=name)["AppInstanceUserArn"]


def error_of(raised: pytest.ExceptionInfo) -> tuple[str, int, str]:
    response = raised.value.response
    return (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"],
            response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errortype"))


# --- app instances ---------------------------------------------------------------------------

def test_create_and_describe_app_instance(identity):
    created = identity.create_app_instance(Name="clinic", Metadata="{\"k\":1}")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    arn = created["AppInstanceArn"]
    assert arn.startswith(f"arn:aws:chime:{REGION}:{ACCOUNT}:app-instance/")
    described = identity.describe_app_instance(AppInstanceArn=arn)["AppInstance"]
    assert (described["AppInstanceArn"], described["Name"], described["Metadata"]) == (arn, "clinic", "{\"k\":1}")
    assert isinstance(described["CreatedTimestamp"], dt.datetime)
    assert abs(described["CreatedTimestamp"] - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)


def test_unknown_app_instance_is_not_found_with_error_type_header(identity):
    with pytest.raises(ClientError) as raised:
        identity.describe_app_instance(AppInstanceArn=f"arn:aws:chime:{REGION}:{ACCOUNT}:app-instance/nope")
    assert error_of(raised) == ("NotFoundException", 404, "NotFoundException")
    assert raised.value.response["Code"] == "NotFound"


def test_update_and_delete_app_instance(identity, app_instance):
    identity.update_app_instance(AppInstanceArn=app_instance, Name="renamed", Metadata="")
    assert identity.describe_app_instance(AppInstanceArn=app_instance)["AppInstance"]["Name"] == "renamed"
    deleted = identity.delete_app_instance(AppInstanceArn=app_instance)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as raised:
        identity.describe_app_instance(AppInstanceArn=app_instance)
    assert error_of(raised)[1] == 404


def test_deleting_an_app_instance_deletes_its_users(emulator, identity, app_instance):
    user = add_user(identity, app_instance, "u1")
    identity.delete_app_instance(AppInstanceArn=app_instance)
    assert not emulator.identity.user_exists(ACCOUNT, REGION, user)


def test_list_app_instances_pages_with_opaque_tokens(identity):
    arns = [identity.create_app_instance(Name=f"ai{i}")["AppInstanceArn"] for i in range(5)]
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"MaxResults": 2, **({"NextToken": token} if token else {})}
        page = identity.list_app_instances(**kwargs)
        pages += 1
        seen += [item["AppInstanceArn"] for item in page["AppInstances"]]
        token = page.get("NextToken")
        if not token:
            break
        assert "ai" not in token and len(token) <= 2048
    assert (seen, pages) == (arns, 3)


def test_garbage_next_token_is_a_bad_request(identity, app_instance):
    with pytest.raises(ClientError) as raised:
        identity.list_app_instances(NextToken="not-a-token")
    assert error_of(raised)[:2] == ("BadRequestException", 400)


def test_max_results_outside_the_model_range_is_a_bad_request(boto_client):
    identity = boto_client("chime-sdk-identity", validate=False)
    for value in (0, 51):
        with pytest.raises(ClientError) as raised:
            identity.list_app_instances(MaxResults=value)
        assert error_of(raised)[:2] == ("BadRequestException", 400)
        assert "'MaxResults'" in raised.value.response["Error"]["Message"]


def test_state_is_per_region(boto_client, app_instance):
    elsewhere = boto_client("chime-sdk-identity", region="eu-west-1")
    with pytest.raises(ClientError) as raised:
        elsewhere.describe_app_instance(AppInstanceArn=app_instance)
    assert error_of(raised)[1] == 404
    assert elsewhere.list_app_instances()["AppInstances"] == []


# --- users -----------------------------------------------------------------------------------

def test_create_describe_update_delete_user(identity, app_instance):
    created = identity.create_app_instance_user(AppInstanceArn=app_instance, AppInstanceUserId="doc-1",
                                                Name="Dr Zoë", Metadata="role=doctor")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    arn = created["AppInstanceUserArn"]
    assert arn == f"{app_instance}/user/doc-1"
    user = identity.describe_app_instance_user(AppInstanceUserArn=arn)["AppInstanceUser"]
    assert (user["Name"], user["Metadata"]) == ("Dr Zoë", "role=doctor")
    assert isinstance(user["LastUpdatedTimestamp"], dt.datetime)
    identity.update_app_instance_user(AppInstanceUserArn=arn, Name="Dr Zoe", Metadata="x")
    assert identity.describe_app_instance_user(AppInstanceUserArn=arn)["AppInstanceUser"]["Name"] == "Dr Zoe"
    assert identity.delete_app_instance_user(AppInstanceUserArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as raised:
        identity.describe_app_instance_user(AppInstanceUserArn=arn)
    assert error_of(raised) == ("NotFoundException", 404, "NotFoundException")


def test_duplicate_user_id_is_a_conflict(identity, app_instance):
    add_user(identity, app_instance, "same")
    with pytest.raises(ClientError) as raised:
        add_user(identity, app_instance, "same", name="Another")
    assert error_of(raised) == ("ConflictException", 409, "ConflictException")


def test_user_of_unknown_app_instance_is_not_found(identity):
    with pytest.raises(ClientError) as raised:
        add_user(identity, f"arn:aws:chime:{REGION}:{ACCOUNT}:app-instance/missing", "u1")
    assert error_of(raised)[:2] == ("NotFoundException", 404)


@pytest.mark.parametrize("user_id", ["-leading-dash", "trailing.", "has space", "x" * 65, "slash/inside"])
def test_user_id_pattern_and_length_are_enforced(identity, app_instance, user_id):
    with pytest.raises(ClientError) as raised:
        add_user(identity, app_instance, user_id)
    assert error_of(raised)[:2] == ("BadRequestException", 400)
    assert "'AppInstanceUserId'" in raised.value.response["Error"]["Message"]


def test_user_id_pattern_accepts_what_aws_accepts(identity, app_instance):
    for user_id in ("a", "3f2b8c1e-1111-2222-3333-444455556666", "user@example.com", "a:b_c.d-e"):
        add_user(identity, app_instance, user_id)


def test_name_length_is_1_to_100_characters(boto_client, app_instance):
    identity = boto_client("chime-sdk-identity", validate=False)
    add_user(identity, app_instance, "hundred", name="é" * 100)
    for name, rule in (("é" * 101, "less than or equal to 100"), ("", "greater than or equal to 1")):
        with pytest.raises(ClientError) as raised:
            add_user(identity, app_instance, f"n{len(name)}", name=name)
        message = raised.value.response["Error"]["Message"]
        assert "'Name'" in message and rule in message


def test_missing_required_member_is_rejected_by_the_server(boto_client, app_instance):
    identity = boto_client("chime-sdk-identity", validate=False)
    with pytest.raises(ClientError) as raised:
        identity.create_app_instance_user(AppInstanceArn=app_instance, Name="n")
    assert "Value null at 'AppInstanceUserId'" in raised.value.response["Error"]["Message"]


def test_expiration_settings_enum_is_validated(identity, app_instance):
    with pytest.raises(ClientError) as raised:
        identity.create_app_instance_user(
            AppInstanceArn=app_instance, AppInstanceUserId="exp", Name="n",
            ExpirationSettings={"ExpirationDays": 1, "ExpirationCriterion": "LAST_MESSAGE_TIMESTAMP"})
    assert "'ExpirationSettings.ExpirationCriterion'" in raised.value.response["Error"]["Message"]


def test_list_users_pages(identity, app_instance):
    arns = [add_user(identity, app_instance, f"u{i}") for i in range(5)]
    other = identity.create_app_instance(Name="other")["AppInstanceArn"]
    add_user(identity, other, "elsewhere")
    first = identity.list_app_instance_users(AppInstanceArn=app_instance, MaxResults=3)
    second = identity.list_app_instance_users(AppInstanceArn=app_instance, MaxResults=3,
                                              NextToken=first["NextToken"])
    listed = [u["AppInstanceUserArn"] for u in first["AppInstanceUsers"] + second["AppInstanceUsers"]]
    assert listed == arns and "NextToken" not in second
    with pytest.raises(ClientError) as raised:  # a token of one listing is refused by another
        identity.list_app_instance_users(AppInstanceArn=other, NextToken=first["NextToken"])
    assert error_of(raised)[1] == 400


def test_percent_encoded_user_arn_round_trips(identity, app_instance, emulator_endpoint):
    import requests
    from urllib.parse import quote

    arn = add_user(identity, app_instance, "enc@ded:user")
    response = requests.get(f"{emulator_endpoint}/app-instance-users/{quote(arn, safe='')}", timeout=5)
    assert response.status_code == 200
    assert response.json()["AppInstanceUser"]["AppInstanceUserArn"] == arn


# --- admins ----------------------------------------------------------------------------------

def test_admin_lifecycle(emulator, identity, app_instance):
    admin = add_user(identity, app_instance, "service", name="Service")
    created = identity.create_app_instance_admin(AppInstanceAdminArn=admin, AppInstanceArn=app_instance)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["AppInstanceAdmin"] == {"Arn": admin, "Name": "Service"}
    described = identity.describe_app_instance_admin(AppInstanceAdminArn=admin, AppInstanceArn=app_instance)
    assert described["AppInstanceAdmin"]["Admin"]["Arn"] == admin
    assert isinstance(described["AppInstanceAdmin"]["CreatedTimestamp"], dt.datetime)
    listed = identity.list_app_instance_admins(AppInstanceArn=app_instance)["AppInstanceAdmins"]
    assert listed == [{"Admin": {"Arn": admin, "Name": "Service"}}]
    assert emulator.identity.is_app_instance_admin(ACCOUNT, REGION, app_instance, admin)
    identity.delete_app_instance_admin(AppInstanceAdminArn=admin, AppInstanceArn=app_instance)
    assert not emulator.identity.is_app_instance_admin(ACCOUNT, REGION, app_instance, admin)
    with pytest.raises(ClientError) as raised:
        identity.describe_app_instance_admin(AppInstanceAdminArn=admin, AppInstanceArn=app_instance)
    assert error_of(raised)[1] == 404
    with pytest.raises(ClientError) as raised:
        identity.delete_app_instance_admin(AppInstanceAdminArn=admin, AppInstanceArn=app_instance)
    assert error_of(raised)[1] == 404


def test_admin_must_be_a_user_of_the_same_app_instance(identity, app_instance):
    other = identity.create_app_instance(Name="other")["AppInstanceArn"]
    stranger = add_user(identity, other, "stranger")
    for candidate in (stranger, f"{app_instance}/user/ghost"):
        with pytest.raises(ClientError) as raised:
            identity.create_app_instance_admin(AppInstanceAdminArn=candidate, AppInstanceArn=app_instance)
        assert error_of(raised)[:2] == ("NotFoundException", 404)


def test_deleted_user_is_no_longer_admin(emulator, identity, app_instance):
    admin = add_user(identity, app_instance, "service")
    identity.create_app_instance_admin(AppInstanceAdminArn=admin, AppInstanceArn=app_instance)
    identity.delete_app_instance_user(AppInstanceUserArn=admin)
    assert not emulator.identity.is_app_instance_admin(ACCOUNT, REGION, app_instance, admin)
    assert identity.list_app_instance_admins(AppInstanceArn=app_instance)["AppInstanceAdmins"] == []


# --- tags ------------------------------------------------------------------------------------

def test_tags_on_app_instances_and_users(identity, app_instance):
    user = add_user(identity, app_instance, "tagged")
    for arn in (app_instance, user):
        assert identity.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "local"},
                                                            {"Key": "team", "Value": "care"}]
                                     )["ResponseMetadata"]["HTTPStatusCode"] == 204
        identity.untag_resource(ResourceARN=arn, TagKeys=["team"])
        assert identity.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "local"}]


def test_tags_of_unknown_resource_are_not_found(identity, app_instance):
    with pytest.raises(ClientError) as raised:
        identity.list_tags_for_resource(ResourceARN=f"{app_instance}/user/ghost")
    assert error_of(raised)[1] == 404


def test_tag_list_size_is_enforced(identity, app_instance):
    with pytest.raises(ClientError) as raised:
        identity.tag_resource(ResourceARN=app_instance, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    assert "'Tags'" in raised.value.response["Error"]["Message"]


# --- helpers other backends use --------------------------------------------------------------

def test_plain_python_helpers(emulator, identity, app_instance):
    user = add_user(identity, app_instance, "helper", name="Helper Name")
    assert emulator.identity.user_exists(ACCOUNT, REGION, user)
    assert not emulator.identity.user_exists(ACCOUNT, "eu-west-1", user)
    assert emulator.identity.user_name(ACCOUNT, REGION, user) == "Helper Name"
    assert emulator.identity.identity_of(ACCOUNT, REGION, user) == {"Arn": user, "Name": "Helper Name"}
    assert emulator.identity.app_instance_exists(ACCOUNT, REGION, app_instance)
    assert app_instance_of(user) == app_instance
    assert app_instance_of(f"{app_instance}/channel/c1") == app_instance
    assert app_instance_of("arn:aws:sns:us-east-1:1:topic") is None
