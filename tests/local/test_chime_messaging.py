"""Conformance tests of the emulated Chime SDK messaging service (boto3 clients) and its real-time events."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from urllib.parse import quote

import pytest
import requests
from botocore.exceptions import ClientError

pytestmark = pytest.mark.timeout(60)

ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclasses.dataclass
class World:
    identity: object
    messaging: object
    app: str
    admin: str
    alice: str
    bob: str
    carol: str
    dave: str
    mallory: str  # a user of another app instance


@pytest.fixture
def world(boto_client) -> World:
    identity = boto_client("chime-sdk-identity")
    app = identity.create_app_instance(Name="telehealth-test")["AppInstanceArn"]

    def user(app_arn: str, user_id: str, name: str) -> str:
        return identity.create_app_instance_user(AppInstanceArn=app_arn, AppInstanceUserId=user_id,
                                                 Name=name)["AppInstanceUserArn"]

    admin = user(app, "telehealth-service", "Service")
    identity.create_app_instance_admin(AppInstanceAdminArn=admin, AppInstanceArn=app)
    other = identity.create_app_instance(Name="other")["AppInstanceArn"]
    return World(identity, boto_client("chime-sdk-messaging"), app, admin, user(app, "alice", "Alice"),
                 user(app, "bob", "Bob"), user(app, "carol", "Carol"), user(app, "dave", "Dave"),
                 user(other, "mallory", "Mallory"))


@pytest.fixture
def restricted(world) -> str:
    """A RESTRICTED PRIVATE channel created by the admin with alice and bob as members, alice moderator."""
    return world.messaging.create_channel(
        AppInstanceArn=world.app, Name="appointment", Mode="RESTRICTED", Privacy="PRIVATE",
        ChimeBearer=world.admin, MemberArns=[world.alice, world.bob], ModeratorArns=[world.alice],
    )["ChannelArn"]


@pytest.fixture
def inbox(emulator):
    """inbox(user_arn) -> the list that collects the frames the emulator's event hub delivers to that user."""
    unsubscribes = []

    def listen(user_arn: str) -> list[dict]:
        frames: list[dict] = []
        unsubscribes.append(emulator.hub.subscribe(user_arn, frames.append))
        return frames

    yield listen
    for unsubscribe in unsubscribes:
        unsubscribe()


def error_of(raised: pytest.ExceptionInfo) -> tuple[str, int, str | None]:
    response = raised.value.response
    return (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"],
            response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errortype"))


def fails(code: str, status: int, call, *args, **kwargs) -> str:
    """Call and assert the AWS error (body code, status and x-amzn-ErrorType); returns the message."""
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    assert error_of(raised) == (code, status, code)
    return raised.value.response["Error"]["Message"]


def send(world: World, channel: str, bearer: str, content: str = "hello", **kwargs) -> str:
    return world.messaging.send_channel_message(ChannelArn=channel, Content=content, Type=kwargs.pop("Type", "STANDARD"),
                                                Persistence=kwargs.pop("Persistence", "PERSISTENT"),
                                                ChimeBearer=bearer, **kwargs)["MessageId"]


def payload(frame: dict) -> dict:
    assert isinstance(frame["Payload"], str)
    return json.loads(frame["Payload"])


def event_types(frames: list[dict]) -> list[str]:
    return [frame["Headers"]["x-amz-chime-event-type"] for frame in frames]


# --- channels --------------------------------------------------------------------------------

def test_create_and_describe_channel(world):
    created = world.messaging.create_channel(
        AppInstanceArn=world.app, Name="visit", Mode="RESTRICTED", Privacy="PRIVATE", Metadata="{\"a\":1}",
        ChimeBearer=world.admin, ChannelId="appointment-42", MemberArns=[world.alice], ModeratorArns=[world.bob])
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    arn = created["ChannelArn"]
    assert arn == f"{world.app}/channel/appointment-42"
    channel = world.messaging.describe_channel(ChannelArn=arn, ChimeBearer=world.alice)["Channel"]
    assert (channel["Name"], channel["Mode"], channel["Privacy"], channel["Metadata"]) == (
        "visit", "RESTRICTED", "PRIVATE", "{\"a\":1}")
    assert channel["CreatedBy"] == {"Arn": world.admin, "Name": "Service"}
    assert isinstance(channel["CreatedTimestamp"], dt.datetime)
    members = world.messaging.list_channel_memberships(ChannelArn=arn, ChimeBearer=world.alice)
    assert [m["Member"]["Arn"] for m in members["ChannelMemberships"]] == [world.alice]
    moderators = world.messaging.list_channel_moderators(ChannelArn=arn, ChimeBearer=world.alice)
    # The creator becomes a moderator (not a member).
    assert [m["Moderator"]["Arn"] for m in moderators["ChannelModerators"]] == [world.admin, world.bob]


def test_duplicate_channel_id_is_a_conflict(world):
    kwargs = dict(AppInstanceArn=world.app, Name="c", ChimeBearer=world.admin, ChannelId="dup")
    world.messaging.create_channel(**kwargs)
    fails("ConflictException", 409, world.messaging.create_channel, **kwargs)


def test_create_channel_input_limits(world):
    base = dict(AppInstanceArn=world.app, Name="c", ChimeBearer=world.admin)
    many = [f"{world.app}/user/u{i}" for i in range(11)]
    assert "'MemberArns'" in fails("BadRequestException", 400, world.messaging.create_channel, **base, MemberArns=many)
    assert "'ModeratorArns'" in fails("BadRequestException", 400, world.messaging.create_channel, **base,
                                      ModeratorArns=many)
    assert "'Metadata'" in fails("BadRequestException", 400, world.messaging.create_channel, **base,
                                 Metadata="m" * 1025)
    assert "'Mode'" in fails("BadRequestException", 400, world.messaging.create_channel, **base, Mode="OPEN")
    assert "'Privacy'" in fails("BadRequestException", 400, world.messaging.create_channel, **base, Privacy="SECRET")
    assert "'ChannelId'" in fails("BadRequestException", 400, world.messaging.create_channel, **base,
                                  ChannelId="x" * 65)
    assert "'ChannelId'" in fails("BadRequestException", 400, world.messaging.create_channel, **base,
                                  ChannelId="bad id")


def test_metadata_limit_counts_utf8_bytes(world):
    base = dict(AppInstanceArn=world.app, Name="c", ChimeBearer=world.admin)
    world.messaging.create_channel(**base, Metadata="é" * 512)
    fails("BadRequestException", 400, world.messaging.create_channel, **base, Metadata="é" * 513)


def test_create_channel_checks_users_and_app_instance(world):
    base = dict(AppInstanceArn=world.app, Name="c", ChimeBearer=world.admin)
    fails("NotFoundException", 404, world.messaging.create_channel, **base, MemberArns=[f"{world.app}/user/ghost"])
    fails("NotFoundException", 404, world.messaging.create_channel, **base, ModeratorArns=[world.mallory])
    fails("ForbiddenException", 403, world.messaging.create_channel, AppInstanceArn=world.app, Name="c",
          ChimeBearer=f"{world.app}/user/ghost")
    fails("ForbiddenException", 403, world.messaging.create_channel, AppInstanceArn=world.app, Name="c",
          ChimeBearer=world.mallory)
    fails("NotFoundException", 404, world.messaging.create_channel, AppInstanceArn=f"{world.app}x", Name="c",
          ChimeBearer=world.admin)


def test_describe_channel_access(world, restricted):
    assert world.messaging.describe_channel(ChannelArn=restricted, ChimeBearer=world.bob)["Channel"]["Name"]
    assert world.messaging.describe_channel(ChannelArn=restricted, ChimeBearer=world.admin)["Channel"]["Name"]
    fails("ForbiddenException", 403, world.messaging.describe_channel, ChannelArn=restricted, ChimeBearer=world.carol)
    fails("ForbiddenException", 403, world.messaging.describe_channel, ChannelArn=restricted,
          ChimeBearer=world.mallory)
    fails("NotFoundException", 404, world.messaging.describe_channel, ChannelArn=f"{world.app}/channel/none",
          ChimeBearer=world.alice)


def test_public_channel_is_readable_by_any_user_of_the_app_instance(world):
    public = world.messaging.create_channel(AppInstanceArn=world.app, Name="lobby", Privacy="PUBLIC",
                                            ChimeBearer=world.admin, MemberArns=[world.alice])["ChannelArn"]
    send(world, public, world.alice, "welcome")
    assert world.messaging.describe_channel(ChannelArn=public, ChimeBearer=world.carol)["Channel"]["Name"] == "lobby"
    listed = world.messaging.list_channel_messages(ChannelArn=public, ChimeBearer=world.carol)["ChannelMessages"]
    assert [m["Content"] for m in listed] == ["welcome"]
    fails("ForbiddenException", 403, send, world, public, world.carol, "not a member")
    fails("ForbiddenException", 403, world.messaging.describe_channel, ChannelArn=public, ChimeBearer=world.mallory)


def test_percent_encoded_channel_arn_on_the_wire(world, restricted, emulator_endpoint):
    url = f"{emulator_endpoint}/channels/{quote(restricted, safe='')}"
    response = requests.get(url, headers={"x-amz-chime-bearer": world.alice}, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["Channel"]["ChannelArn"] == restricted
    assert isinstance(body["Channel"]["CreatedTimestamp"], (int, float))  # epoch seconds, a JSON number
    assert "%2F" in url


def test_update_channel(world, restricted, inbox):
    alice_frames, carol_frames = inbox(world.alice), inbox(world.carol)
    updated = world.messaging.update_channel(ChannelArn=restricted, Name="renamed", Mode="UNRESTRICTED",
                                             Metadata="new", ChimeBearer=world.alice)
    assert updated["ChannelArn"] == restricted
    channel = world.messaging.describe_channel(ChannelArn=restricted, ChimeBearer=world.bob)["Channel"]
    assert (channel["Name"], channel["Mode"], channel["Metadata"]) == ("renamed", "UNRESTRICTED", "new")
    assert event_types(alice_frames) == ["UPDATE_CHANNEL"]
    assert alice_frames[0]["Headers"]["x-amz-chime-message-type"] == "SYSTEM"
    assert payload(alice_frames[0])["Name"] == "renamed"
    assert carol_frames == []
    fails("ForbiddenException", 403, world.messaging.update_channel, ChannelArn=restricted, Name="x",
          ChimeBearer=world.bob)


def test_delete_channel(world, restricted, inbox):
    bob_frames = inbox(world.bob)
    fails("ForbiddenException", 403, world.messaging.delete_channel, ChannelArn=restricted, ChimeBearer=world.bob)
    deleted = world.messaging.delete_channel(ChannelArn=restricted, ChimeBearer=world.alice)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert event_types(bob_frames) == ["DELETE_CHANNEL"]
    assert payload(bob_frames[0])["ChannelArn"] == restricted
    fails("NotFoundException", 404, world.messaging.describe_channel, ChannelArn=restricted, ChimeBearer=world.admin)


def test_channel_of_a_deleted_app_instance_is_gone(world, restricted, emulator):
    world.identity.delete_app_instance(AppInstanceArn=world.app)
    assert emulator.messaging.channels_for_member(ACCOUNT, REGION, world.alice) == []


def test_list_channels_by_privacy(world):
    public = [world.messaging.create_channel(AppInstanceArn=world.app, Name=f"p{i}", Privacy="PUBLIC",
                                             ChimeBearer=world.admin)["ChannelArn"] for i in range(3)]
    private = world.messaging.create_channel(AppInstanceArn=world.app, Name="secret", Privacy="PRIVATE",
                                             ChimeBearer=world.admin)["ChannelArn"]
    first = world.messaging.list_channels(AppInstanceArn=world.app, ChimeBearer=world.carol, MaxResults=2)
    second = world.messaging.list_channels(AppInstanceArn=world.app, ChimeBearer=world.carol, MaxResults=2,
                                           NextToken=first["NextToken"])
    assert [c["ChannelArn"] for c in first["Channels"] + second["Channels"]] == public
    fails("ForbiddenException", 403, world.messaging.list_channels, AppInstanceArn=world.app, Privacy="PRIVATE",
          ChimeBearer=world.carol)
    admin_view = world.messaging.list_channels(AppInstanceArn=world.app, Privacy="PRIVATE", ChimeBearer=world.admin)
    assert [c["ChannelArn"] for c in admin_view["Channels"]] == [private]


# --- memberships -----------------------------------------------------------------------------

def test_restricted_channel_only_moderators_and_admins_add_members(world, restricted, inbox):
    carol_frames, bob_frames, dave_frames = inbox(world.carol), inbox(world.bob), inbox(world.dave)
    fails("ForbiddenException", 403, world.messaging.create_channel_membership, ChannelArn=restricted,
          MemberArn=world.carol, Type="DEFAULT", ChimeBearer=world.bob)
    fails("ForbiddenException", 403, world.messaging.create_channel_membership, ChannelArn=restricted,
          MemberArn=world.carol, Type="DEFAULT", ChimeBearer=world.carol)
    created = world.messaging.create_channel_membership(ChannelArn=restricted, MemberArn=world.carol,
                                                        Type="DEFAULT", ChimeBearer=world.alice)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["Member"] == {"Arn": world.carol, "Name": "Carol"}
    world.messaging.create_channel_membership(ChannelArn=restricted, MemberArn=world.dave, Type="DEFAULT",
                                              ChimeBearer=world.admin)
    assert event_types(carol_frames) == ["CREATE_CHANNEL_MEMBERSHIP", "CREATE_CHANNEL_MEMBERSHIP"]
    membership = payload(bob_frames[0])
    assert membership["Member"]["Arn"] == world.carol and membership["InvitedBy"]["Arn"] == world.alice
    assert membership["ChannelArn"] == restricted and membership["CreatedTimestamp"].endswith("Z")
    assert event_types(dave_frames) == ["CREATE_CHANNEL_MEMBERSHIP"]  # only from its own addition on


def test_unrestricted_channel_members_add_members(world):
    channel = world.messaging.create_channel(AppInstanceArn=world.app, Name="open", Mode="UNRESTRICTED",
                                             Privacy="PRIVATE", ChimeBearer=world.admin,
                                             MemberArns=[world.alice])["ChannelArn"]
    world.messaging.create_channel_membership(ChannelArn=channel, MemberArn=world.bob, Type="DEFAULT",
                                              ChimeBearer=world.alice)
    # A non-member cannot add itself to a PRIVATE channel.
    fails("ForbiddenException", 403, world.messaging.create_channel_membership, ChannelArn=channel,
          MemberArn=world.carol, Type="DEFAULT", ChimeBearer=world.carol)
    public = world.messaging.create_channel(AppInstanceArn=world.app, Name="lobby", Mode="UNRESTRICTED",
                                            Privacy="PUBLIC", ChimeBearer=world.admin)["ChannelArn"]
    world.messaging.create_channel_membership(ChannelArn=public, MemberArn=world.carol, Type="DEFAULT",
                                              ChimeBearer=world.carol)
    fails("ForbiddenException", 403, world.messaging.create_channel_membership, ChannelArn=public,
          MemberArn=world.dave, Type="DEFAULT", ChimeBearer=world.bob)


def test_membership_must_be_an_existing_user_of_the_app_instance(world, restricted):
    for member in (f"{world.app}/user/ghost", world.mallory):
        fails("NotFoundException", 404, world.messaging.create_channel_membership, ChannelArn=restricted,
              MemberArn=member, Type="DEFAULT", ChimeBearer=world.admin)
    fails("BadRequestException", 400, world.messaging.create_channel_membership, ChannelArn=restricted,
          MemberArn=world.carol, Type="VIP", ChimeBearer=world.admin)


def test_batch_create_membership(world, restricted, inbox):
    alice_frames = inbox(world.alice)
    ghost = f"{world.app}/user/ghost"
    result = world.messaging.batch_create_channel_membership(
        ChannelArn=restricted, MemberArns=[world.carol, ghost, world.dave], ChimeBearer=world.alice)
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 200
    batch = result["BatchChannelMemberships"]
    assert [m["Arn"] for m in batch["Members"]] == [world.carol, world.dave]
    assert batch["InvitedBy"]["Arn"] == world.alice and batch["Type"] == "DEFAULT"
    assert [(e["MemberArn"], e["ErrorCode"]) for e in result["Errors"]] == [(ghost, "NotFound")]
    assert event_types(alice_frames) == ["BATCH_CREATE_CHANNEL_MEMBERSHIP"]
    assert [m["Arn"] for m in payload(alice_frames[0])["Members"]] == [world.carol, world.dave]
    fails("ForbiddenException", 403, world.messaging.batch_create_channel_membership, ChannelArn=restricted,
          MemberArns=[world.carol], ChimeBearer=world.bob)


def test_describe_and_list_memberships(world, restricted):
    membership = world.messaging.describe_channel_membership(ChannelArn=restricted, MemberArn=world.bob,
                                                             ChimeBearer=world.alice)["ChannelMembership"]
    assert membership["Member"] == {"Arn": world.bob, "Name": "Bob"}
    assert membership["InvitedBy"]["Arn"] == world.admin
    assert isinstance(membership["CreatedTimestamp"], dt.datetime)
    fails("NotFoundException", 404, world.messaging.describe_channel_membership, ChannelArn=restricted,
          MemberArn=world.carol, ChimeBearer=world.alice)
    fails("ForbiddenException", 403, world.messaging.list_channel_memberships, ChannelArn=restricted,
          ChimeBearer=world.carol)
    world.messaging.create_channel_membership(ChannelArn=restricted, MemberArn=world.carol, Type="HIDDEN",
                                              ChimeBearer=world.admin)
    first = world.messaging.list_channel_memberships(ChannelArn=restricted, ChimeBearer=world.bob, MaxResults=1)
    second = world.messaging.list_channel_memberships(ChannelArn=restricted, ChimeBearer=world.bob, MaxResults=1,
                                                      NextToken=first["NextToken"])
    assert [m["Member"]["Arn"] for m in first["ChannelMemberships"] + second["ChannelMemberships"]] == [
        world.alice, world.bob]
    assert "NextToken" not in second
    hidden = world.messaging.list_channel_memberships(ChannelArn=restricted, ChimeBearer=world.bob, Type="HIDDEN")
    assert [m["Member"]["Arn"] for m in hidden["ChannelMemberships"]] == [world.carol]


def test_delete_membership(world, restricted, inbox):
    bob_frames, alice_frames = inbox(world.bob), inbox(world.alice)
    fails("ForbiddenException", 403, world.messaging.delete_channel_membership, ChannelArn=restricted,
          MemberArn=world.alice, ChimeBearer=world.bob)
    left = world.messaging.delete_channel_membership(ChannelArn=restricted, MemberArn=world.bob,
                                                     ChimeBearer=world.bob)
    assert left["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert event_types(bob_frames) == ["DELETE_CHANNEL_MEMBERSHIP"]  # the leaver is told too
    assert payload(alice_frames[0])["Member"]["Arn"] == world.bob
    fails("ForbiddenException", 403, send, world, restricted, world.bob)
    fails("NotFoundException", 404, world.messaging.delete_channel_membership, ChannelArn=restricted,
          MemberArn=world.bob, ChimeBearer=world.alice)


# --- moderators ------------------------------------------------------------------------------

def test_moderator_lifecycle(world, restricted):
    fails("ForbiddenException", 403, world.messaging.create_channel_moderator, ChannelArn=restricted,
          ChannelModeratorArn=world.bob, ChimeBearer=world.bob)
    created = world.messaging.create_channel_moderator(ChannelArn=restricted, ChannelModeratorArn=world.bob,
                                                       ChimeBearer=world.alice)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["ChannelModerator"] == {"Arn": world.bob, "Name": "Bob"}
    described = world.messaging.describe_channel_moderator(ChannelArn=restricted, ChannelModeratorArn=world.bob,
                                                           ChimeBearer=world.bob)["ChannelModerator"]
    assert described["CreatedBy"]["Arn"] == world.alice and isinstance(described["CreatedTimestamp"], dt.datetime)
    page = world.messaging.list_channel_moderators(ChannelArn=restricted, ChimeBearer=world.bob, MaxResults=2)
    rest = world.messaging.list_channel_moderators(ChannelArn=restricted, ChimeBearer=world.bob,
                                                   NextToken=page["NextToken"])
    assert [m["Moderator"]["Arn"] for m in page["ChannelModerators"] + rest["ChannelModerators"]] == [
        world.admin, world.alice, world.bob]
    world.messaging.delete_channel_moderator(ChannelArn=restricted, ChannelModeratorArn=world.bob,
                                             ChimeBearer=world.admin)
    fails("NotFoundException", 404, world.messaging.describe_channel_moderator, ChannelArn=restricted,
          ChannelModeratorArn=world.bob, ChimeBearer=world.bob)
    fails("NotFoundException", 404, world.messaging.create_channel_moderator, ChannelArn=restricted,
          ChannelModeratorArn=f"{world.app}/user/ghost", ChimeBearer=world.admin)


def test_moderators_who_are_not_members_get_no_events(world, inbox):
    channel = world.messaging.create_channel(AppInstanceArn=world.app, Name="c", Privacy="PRIVATE",
                                             ChimeBearer=world.admin, MemberArns=[world.alice],
                                             ModeratorArns=[world.bob])["ChannelArn"]
    bob_frames, admin_frames = inbox(world.bob), inbox(world.admin)
    send(world, channel, world.alice)
    assert bob_frames == [] and admin_frames == []


# --- per-user listings -------------------------------------------------------------------------

def test_channels_moderated_by_a_user(world, restricted):
    mine = world.messaging.list_channels_moderated_by_app_instance_user(ChimeBearer=world.alice)
    assert [c["ChannelSummary"]["ChannelArn"] for c in mine["Channels"]] == [restricted]
    assert world.messaging.list_channels_moderated_by_app_instance_user(ChimeBearer=world.bob)["Channels"] == []
    fails("ForbiddenException", 403, world.messaging.list_channels_moderated_by_app_instance_user,
          AppInstanceUserArn=world.alice, ChimeBearer=world.bob)
    for_alice = world.messaging.list_channels_moderated_by_app_instance_user(AppInstanceUserArn=world.alice,
                                                                            ChimeBearer=world.admin)
    assert len(for_alice["Channels"]) == 1
    described = world.messaging.describe_channel_moderated_by_app_instance_user(
        ChannelArn=restricted, AppInstanceUserArn=world.alice, ChimeBearer=world.alice)
    assert described["Channel"]["ChannelSummary"]["Mode"] == "RESTRICTED"
    fails("NotFoundException", 404, world.messaging.describe_channel_moderated_by_app_instance_user,
          ChannelArn=restricted, AppInstanceUserArn=world.bob, ChimeBearer=world.bob)


def test_channel_memberships_of_a_user(world, restricted):
    others = [world.messaging.create_channel(AppInstanceArn=world.app, Name=f"c{i}", ChimeBearer=world.admin,
                                             MemberArns=[world.bob])["ChannelArn"] for i in range(2)]
    first = world.messaging.list_channel_memberships_for_app_instance_user(ChimeBearer=world.bob, MaxResults=2)
    second = world.messaging.list_channel_memberships_for_app_instance_user(ChimeBearer=world.bob,
                                                                           NextToken=first["NextToken"])
    listed = first["ChannelMemberships"] + second["ChannelMemberships"]
    assert [m["ChannelSummary"]["ChannelArn"] for m in listed] == [restricted, *others]
    assert listed[0]["AppInstanceUserMembershipSummary"]["Type"] == "DEFAULT"
    fails("ForbiddenException", 403, world.messaging.list_channel_memberships_for_app_instance_user,
          AppInstanceUserArn=world.bob, ChimeBearer=world.carol)
    described = world.messaging.describe_channel_membership_for_app_instance_user(
        ChannelArn=restricted, AppInstanceUserArn=world.bob, ChimeBearer=world.admin)
    assert described["ChannelMembership"]["ChannelSummary"]["ChannelArn"] == restricted
    fails("NotFoundException", 404, world.messaging.describe_channel_membership_for_app_instance_user,
          ChannelArn=restricted, AppInstanceUserArn=world.carol, ChimeBearer=world.carol)


# --- messages --------------------------------------------------------------------------------

def test_send_get_and_list_messages(world, restricted):
    sent = world.messaging.send_channel_message(ChannelArn=restricted, Content="hi bob", Type="STANDARD",
                                                Persistence="PERSISTENT", Metadata="{\"kind\":\"chat\"}",
                                                ChimeBearer=world.alice)
    assert sent["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert sent["Status"] == {"Value": "SENT"} and sent["ChannelArn"] == restricted
    message = world.messaging.get_channel_message(ChannelArn=restricted, MessageId=sent["MessageId"],
                                                  ChimeBearer=world.bob)["ChannelMessage"]
    assert (message["Content"], message["Metadata"], message["Type"], message["Persistence"]) == (
        "hi bob", "{\"kind\":\"chat\"}", "STANDARD", "PERSISTENT")
    assert message["Sender"] == {"Arn": world.alice, "Name": "Alice"} and message["Redacted"] is False
    assert isinstance(message["CreatedTimestamp"], dt.datetime)
    channel = world.messaging.describe_channel(ChannelArn=restricted, ChimeBearer=world.bob)["Channel"]
    assert channel["LastMessageTimestamp"] == message["CreatedTimestamp"]
    listed = world.messaging.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.admin)
    assert [m["MessageId"] for m in listed["ChannelMessages"]] == [sent["MessageId"]]


def test_non_members_cannot_send_or_read(world, restricted):
    fails("ForbiddenException", 403, send, world, restricted, world.carol)
    fails("ForbiddenException", 403, world.messaging.list_channel_messages, ChannelArn=restricted,
          ChimeBearer=world.carol)
    message_id = send(world, restricted, world.alice)
    fails("ForbiddenException", 403, world.messaging.get_channel_message, ChannelArn=restricted,
          MessageId=message_id, ChimeBearer=world.carol)
    fails("ForbiddenException", 403, send, world, restricted, f"{world.app}/user/ghost")
    # AppInstanceAdmins may post without being members (the service user does).
    send(world, restricted, world.admin, "posted by the service")


def test_standard_content_limit_is_4096_utf8_bytes(world, restricted):
    send(world, restricted, world.alice, "é" * 2048)  # 2048 characters, 4096 bytes
    message = fails("BadRequestException", 400, send, world, restricted, world.alice, "é" * 2049)
    assert "4096 bytes" in message
    fails("BadRequestException", 400, send, world, restricted, world.alice, "hi", Metadata="m" * 1025)


def test_control_messages_are_small_and_without_metadata(world, restricted, inbox):
    bob_frames = inbox(world.bob)
    send(world, restricted, world.alice, "x" * 30, Type="CONTROL")
    assert bob_frames[0]["Headers"]["x-amz-chime-message-type"] == "CONTROL"
    fails("BadRequestException", 400, send, world, restricted, world.alice, "é" * 16, Type="CONTROL")
    fails("BadRequestException", 400, send, world, restricted, world.alice, "x", Type="CONTROL", Metadata="m")
    fails("BadRequestException", 400, send, world, restricted, world.alice, "x", Type="SYSTEM")
    fails("BadRequestException", 400, send, world, restricted, world.alice, "x", Persistence="FOREVER")


def test_empty_content_is_rejected_by_the_server(boto_client, world, restricted):
    loose = boto_client("chime-sdk-messaging", validate=False)
    with pytest.raises(ClientError) as raised:
        loose.send_channel_message(ChannelArn=restricted, Content="", Type="STANDARD", Persistence="PERSISTENT",
                                   ChimeBearer=world.alice, ClientRequestToken="token-1")
    assert "'Content'" in raised.value.response["Error"]["Message"]


def test_non_persistent_messages_are_delivered_but_never_stored(world, restricted, inbox):
    bob_frames = inbox(world.bob)
    message_id = send(world, restricted, world.alice, "typing…", Persistence="NON_PERSISTENT")
    assert payload(bob_frames[0])["Persistence"] == "NON_PERSISTENT"
    assert payload(bob_frames[0])["MessageId"] == message_id
    assert world.messaging.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.bob)["ChannelMessages"] == []
    fails("NotFoundException", 404, world.messaging.get_channel_message, ChannelArn=restricted,
          MessageId=message_id, ChimeBearer=world.bob)


def test_list_messages_order_filters_and_pages(world, restricted):
    ids = [send(world, restricted, world.alice, f"m{i}") for i in range(7)]
    newest_first, token, pages = [], None, 0
    while True:
        page = world.messaging.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.bob, MaxResults=3,
                                                     **({"NextToken": token} if token else {}))
        newest_first += [m["MessageId"] for m in page["ChannelMessages"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert (newest_first, pages) == (ids[::-1], 3)
    ascending = world.messaging.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.bob,
                                                      SortOrder="ASCENDING", MaxResults=50)
    assert [m["MessageId"] for m in ascending["ChannelMessages"]] == ids
    everything = world.messaging.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.bob,
                                                       SortOrder="ASCENDING")["ChannelMessages"]
    pivot = everything[3]["CreatedTimestamp"]
    later = world.messaging.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.bob,
                                                  NotBefore=pivot)["ChannelMessages"]
    assert all(m["CreatedTimestamp"] >= pivot for m in later) and ids[6] in [m["MessageId"] for m in later]
    earlier = world.messaging.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.bob,
                                                    NotAfter=everything[0]["CreatedTimestamp"])["ChannelMessages"]
    assert ids[0] in [m["MessageId"] for m in earlier]
    assert all(m["CreatedTimestamp"] <= everything[0]["CreatedTimestamp"] for m in earlier)
    far_past = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    assert world.messaging.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.bob,
                                                 NotAfter=far_past)["ChannelMessages"] == []


def test_list_messages_rejects_bad_limits_and_tokens(boto_client, world, restricted):
    loose = boto_client("chime-sdk-messaging", validate=False)
    for value in (0, 51):
        with pytest.raises(ClientError) as raised:
            loose.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.bob, MaxResults=value)
        assert error_of(raised)[:2] == ("BadRequestException", 400)
    fails("BadRequestException", 400, world.messaging.list_channel_messages, ChannelArn=restricted,
          ChimeBearer=world.bob, NextToken="garbage")
    for _ in range(3):
        send(world, restricted, world.alice)
    token = world.messaging.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.bob,
                                                  MaxResults=1)["NextToken"]
    other = world.messaging.create_channel(AppInstanceArn=world.app, Name="o", ChimeBearer=world.admin,
                                           MemberArns=[world.bob])["ChannelArn"]
    fails("BadRequestException", 400, world.messaging.list_channel_messages, ChannelArn=other,
          ChimeBearer=world.bob, NextToken=token)
    fails("BadRequestException", 400, world.messaging.list_channel_messages, ChannelArn=restricted,
          ChimeBearer=world.bob, NextToken=token, SortOrder="ASCENDING")


def test_update_message(world, restricted, inbox):
    bob_frames = inbox(world.bob)
    message_id = send(world, restricted, world.alice, "draft")
    fails("ForbiddenException", 403, world.messaging.update_channel_message, ChannelArn=restricted,
          MessageId=message_id, Content="hijack", ChimeBearer=world.bob)
    updated = world.messaging.update_channel_message(ChannelArn=restricted, MessageId=message_id, Content="final",
                                                     Metadata="{}", ChimeBearer=world.alice)
    assert updated["MessageId"] == message_id
    message = world.messaging.get_channel_message(ChannelArn=restricted, MessageId=message_id,
                                                  ChimeBearer=world.bob)["ChannelMessage"]
    assert (message["Content"], message["Metadata"]) == ("final", "{}")
    assert isinstance(message["LastEditedTimestamp"], dt.datetime)
    assert event_types(bob_frames) == ["CREATE_CHANNEL_MESSAGE", "UPDATE_CHANNEL_MESSAGE"]
    assert payload(bob_frames[1])["Content"] == "final"
    fails("BadRequestException", 400, world.messaging.update_channel_message, ChannelArn=restricted,
          MessageId=message_id, Content="é" * 2049, ChimeBearer=world.alice)
    fails("NotFoundException", 404, world.messaging.update_channel_message, ChannelArn=restricted,
          MessageId="missing", Content="x", ChimeBearer=world.alice)


def test_redact_message(world, restricted, inbox):
    bob_frames = inbox(world.bob)
    mine = send(world, restricted, world.bob, "oops", Metadata="{\"k\":1}")
    theirs = send(world, restricted, world.bob, "rude")
    world.messaging.redact_channel_message(ChannelArn=restricted, MessageId=mine, ChimeBearer=world.bob)
    world.messaging.create_channel_membership(ChannelArn=restricted, MemberArn=world.dave, Type="DEFAULT",
                                              ChimeBearer=world.admin)
    fails("ForbiddenException", 403, world.messaging.redact_channel_message, ChannelArn=restricted,
          MessageId=theirs, ChimeBearer=world.dave)  # a plain member, not the sender
    world.messaging.redact_channel_message(ChannelArn=restricted, MessageId=theirs, ChimeBearer=world.alice)
    listed = world.messaging.list_channel_messages(ChannelArn=restricted, ChimeBearer=world.bob)["ChannelMessages"]
    assert [(m["Redacted"], "Content" in m, "Metadata" in m) for m in listed] == [(True, False, False)] * 2
    assert event_types(bob_frames) == ["CREATE_CHANNEL_MESSAGE", "CREATE_CHANNEL_MESSAGE", "REDACT_CHANNEL_MESSAGE",
                                       "CREATE_CHANNEL_MEMBERSHIP", "REDACT_CHANNEL_MESSAGE"]
    redacted = payload(bob_frames[2])
    assert redacted["Redacted"] is True and "Content" not in redacted
    fails("BadRequestException", 400, world.messaging.update_channel_message, ChannelArn=restricted,
          MessageId=mine, Content="again", ChimeBearer=world.bob)


def test_delete_message(world, restricted, inbox):
    bob_frames = inbox(world.bob)
    message_id = send(world, restricted, world.bob, "to delete")
    fails("ForbiddenException", 403, world.messaging.delete_channel_message, ChannelArn=restricted,
          MessageId=message_id, ChimeBearer=world.bob)
    deleted = world.messaging.delete_channel_message(ChannelArn=restricted, MessageId=message_id,
                                                     ChimeBearer=world.alice)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    fails("NotFoundException", 404, world.messaging.get_channel_message, ChannelArn=restricted,
          MessageId=message_id, ChimeBearer=world.bob)
    assert event_types(bob_frames) == ["CREATE_CHANNEL_MESSAGE", "DELETE_CHANNEL_MESSAGE"]
    assert "Content" not in payload(bob_frames[1])


def test_unemulated_features_answer_501(world, restricted):
    with pytest.raises(ClientError) as raised:
        world.messaging.send_channel_message(ChannelArn=restricted, Content="x", Type="STANDARD",
                                             Persistence="PERSISTENT", ChimeBearer=world.alice,
                                             Target=[{"MemberArn": world.bob}])
    assert error_of(raised) == ("NotImplementedException", 501, "NotImplementedException")
    with pytest.raises(ClientError) as raised:
        world.messaging.list_channel_bans(ChannelArn=restricted, ChimeBearer=world.alice)
    assert error_of(raised)[1] == 501


# --- real-time frames --------------------------------------------------------------------------

def test_message_frames_reach_members_only(world, restricted, inbox):
    alice_frames, bob_frames = inbox(world.alice), inbox(world.bob)
    carol_frames, mallory_frames = inbox(world.carol), inbox(world.mallory)
    message_id = send(world, restricted, world.alice, "Grüße 👋", Metadata="{\"kind\":\"chat\"}")
    assert carol_frames == [] and mallory_frames == []
    assert len(alice_frames) == 1  # the sender's own sessions get the echo too
    frame = bob_frames[0]
    assert frame["Headers"] == {"x-amz-chime-event-type": "CREATE_CHANNEL_MESSAGE",
                                "x-amz-chime-message-type": "STANDARD"}
    body = payload(frame)
    assert body["ChannelArn"] == restricted and body["MessageId"] == message_id
    assert (body["Content"], body["Metadata"], body["Type"]) == ("Grüße 👋", "{\"kind\":\"chat\"}", "STANDARD")
    assert body["Sender"] == {"Arn": world.alice, "Name": "Alice"}
    assert body["Persistence"] == "PERSISTENT" and body["Redacted"] is False
    created = dt.datetime.fromisoformat(body["CreatedTimestamp"].replace("Z", "+00:00"))
    assert body["CreatedTimestamp"].endswith("Z") and created.tzinfo is not None
    assert body["LastUpdatedTimestamp"].endswith("Z")


# --- session endpoint, tags, helpers ---------------------------------------------------------------

def test_messaging_session_endpoint(world, emulator):
    fails("ServiceUnavailableException", 503, world.messaging.get_messaging_session_endpoint)
    emulator.set_session_endpoint("127.0.0.1:45678")
    assert world.messaging.get_messaging_session_endpoint()["Endpoint"] == {"Url": "127.0.0.1:45678"}


def test_channel_tags(world, restricted):
    world.messaging.tag_resource(ResourceARN=restricted, Tags=[{"Key": "appointment", "Value": "42"}])
    assert world.messaging.list_tags_for_resource(ResourceARN=restricted)["Tags"] == [
        {"Key": "appointment", "Value": "42"}]
    world.messaging.untag_resource(ResourceARN=restricted, TagKeys=["appointment"])
    assert world.messaging.list_tags_for_resource(ResourceARN=restricted)["Tags"] == []
    fails("NotFoundException", 404, world.messaging.list_tags_for_resource,
          ResourceARN=f"{world.app}/channel/none")


def test_websocket_helpers(world, restricted, emulator):
    assert emulator.messaging.channels_for_member(ACCOUNT, REGION, world.bob) == [restricted]
    assert emulator.messaging.channels_for_member(ACCOUNT, REGION, world.carol) == []
    assert emulator.messaging.channel_members(ACCOUNT, REGION, restricted) == [world.alice, world.bob]
    send(world, restricted, world.alice, "latest")
    details = emulator.messaging.channel_details(ACCOUNT, REGION, world.bob)
    assert len(details) == 1
    assert details[0]["Channel"]["ChannelArn"] == restricted
    assert [m["Content"] for m in details[0]["ChannelMessages"]] == ["latest"]
    assert details[0]["ChannelMessages"][0]["CreatedTimestamp"].endswith("Z")
    assert {m["Member"]["Arn"] for m in details[0]["ChannelMemberships"]} == {world.alice, world.bob}
    assert details[0]["ChannelMessagesHasMore"] is False
    json.dumps(details)  # ready for a frame Payload
