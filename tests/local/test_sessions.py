"""Messaging-session websocket server: admission of SigV4-presigned /connect URLs (signed by
botocore as the messaging service does) and fan-out of event-hub frames to sessions."""
from __future__ import annotations

import datetime
import json
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import boto3
import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from moto import mock_aws
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from telehealth_local.events import EventHub
from telehealth_local.sessions import start_session_server
from telehealth_local.sessions.credentials import static_resolver
from telehealth_local.sessions.policy import session_policy_allows

pytestmark = pytest.mark.timeout(60)

ACCOUNT = "123456789012"
APP = f"arn:aws:chime:us-east-1:{ACCOUNT}:app-instance/11111111-2222-3333-4444-555555555555"
ALICE = f"{APP}/user/alice"
BOB = f"{APP}/user/bob"
NOBODY = f"{APP}/user/nobody"
TESTING = BotoCredentials("testing", "testing")


def presign(endpoint: str, user_arn: str, *, credentials=TESTING, region="us-east-1",
            expires=10, session_id="42", service="chime", extra=None) -> str:
    """Presign the way the messaging service's GET /session does (botocore SigV4QueryAuth)."""
    query = {"userArn": user_arn, "sessionId": session_id, **(extra or {})}
    request = AWSRequest(method="GET", url=f"wss://{endpoint}/connect?{urlencode(query)}")
    SigV4QueryAuth(credentials, service, region, expires=expires).add_auth(request)
    # Signed for wss:// as handed to clients; the local server speaks plain ws://.
    return "ws://" + request.url.removeprefix("wss://")


def replace_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    pairs = [(k, value if k == name else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def next_frame(ws) -> dict:
    frame = json.loads(ws.recv(timeout=5))
    assert set(frame) == {"Headers", "Payload"}
    assert isinstance(frame["Payload"], str)
    return frame


def refused_status(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        with connect(url, open_timeout=5):
            pass
    return refused.value.response.status_code


def message_frame(content: str) -> dict:
    payload = {"ChannelArn": f"{APP}/channel/c1", "MessageId": "m1", "Content": content,
               "Metadata": "{}", "Type": "STANDARD", "Persistence": "PERSISTENT",
               "Sender": {"Arn": BOB, "Name": "Bob"}}
    return {"Headers": {"x-amz-chime-event-type": "CREATE_CHANNEL_MESSAGE",
                        "x-amz-chime-message-type": "STANDARD"},
            "Payload": json.dumps(payload)}


class Clock:
    def __init__(self) -> None:
        self.offset = datetime.timedelta()

    def __call__(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.timezone.utc) + self.offset


@pytest.fixture
def hub():
    return EventHub()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def server(hub, clock):
    users = {ALICE, BOB}
    server = start_session_server(hub=hub, user_exists=users.__contains__,
                                  prefetch=lambda arn, sort_by: [], clock=clock)
    yield server
    server.stop()


def test_session_established_then_hub_frames(server, hub):
    with connect(presign(server.url, ALICE), open_timeout=5) as ws:
        established = next_frame(ws)
        assert established["Headers"] == {"x-amz-chime-event-type": "SESSION_ESTABLISHED",
                                          "x-amz-chime-message-type": "SYSTEM"}
        assert established["Payload"] == ""

        assert hub.publish([ALICE], message_frame("hello")) == 1
        frame = next_frame(ws)
        assert frame["Headers"]["x-amz-chime-event-type"] == "CREATE_CHANNEL_MESSAGE"
        assert json.loads(frame["Payload"])["Content"] == "hello"

        # Frames for other users never reach this session.
        assert hub.publish([BOB], message_frame("not for alice")) == 0
        hub.publish([ALICE], message_frame("second"))
        assert json.loads(next_frame(ws)["Payload"])["Content"] == "second"


def test_two_sessions_of_one_user_both_receive(server, hub):
    with connect(presign(server.url, ALICE, session_id="1"), open_timeout=5) as first, \
            connect(presign(server.url, ALICE, session_id="2"), open_timeout=5) as second:
        for ws in (first, second):
            assert next_frame(ws)["Headers"]["x-amz-chime-event-type"] == "SESSION_ESTABLISHED"
        assert server.session_count() == 2
        assert hub.publish([ALICE, BOB], message_frame("both")) == 2
        for ws in (first, second):
            assert json.loads(next_frame(ws)["Payload"])["Content"] == "both"


def test_closing_a_session_unsubscribes_it(server, hub):
    with connect(presign(server.url, ALICE), open_timeout=5) as ws:
        next_frame(ws)
        assert hub.connected(ALICE)
    wait_until(lambda: not hub.connected(ALICE))
    assert hub.publish([ALICE], message_frame("gone")) == 0


def test_bad_signature_is_refused(server, hub):
    url = presign(server.url, ALICE)
    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    forged = "0" * len(signature) if signature[0] != "0" else "1" * len(signature)
    assert refused_status(replace_param(url, "X-Amz-Signature", forged)) == 403
    assert refused_status(presign(server.url, ALICE, credentials=BotoCredentials("testing", "wrong"))) == 403
    assert not hub.connected(ALICE)


def test_missing_signature_and_unknown_key_are_refused(server):
    url = presign(server.url, ALICE)
    parts = urlsplit(url)
    unsigned = [(k, v) for k, v in parse_qsl(parts.query) if k != "X-Amz-Signature"]
    assert refused_status(urlunsplit(parts._replace(query=urlencode(unsigned)))) == 403
    assert refused_status(f"ws://{server.url}/connect?userArn=x&sessionId=1") == 403
    assert refused_status(presign(server.url, ALICE, credentials=BotoCredentials("AKIAUNKNOWN", "x"))) == 403


def test_wrong_service_scope_is_refused(server):
    assert refused_status(presign(server.url, ALICE, service="s3")) == 403


def test_expired_url_is_refused(server, clock):
    url = presign(server.url, ALICE, expires=10)
    clock.offset = datetime.timedelta(seconds=11)
    assert refused_status(url) == 403
    clock.offset = datetime.timedelta(seconds=9)
    with connect(url, open_timeout=5) as ws:
        assert next_frame(ws)["Headers"]["x-amz-chime-event-type"] == "SESSION_ESTABLISHED"


def test_url_dated_in_the_future_is_refused(server, clock):
    clock.offset = -datetime.timedelta(minutes=10)
    assert refused_status(presign(server.url, ALICE)) == 403


def test_tampered_user_arn_is_refused(server, hub):
    url = presign(server.url, ALICE)
    assert refused_status(replace_param(url, "userArn", BOB)) == 403
    assert not hub.connected(BOB)


def test_unknown_user_is_refused(server):
    assert refused_status(presign(server.url, NOBODY)) == 404


def test_user_of_another_account_is_refused(server):
    other = "arn:aws:chime:us-east-1:210987654321:app-instance/x/user/alice"
    assert refused_status(presign(server.url, other)) == 403


def test_bad_prefetch_options_are_refused(server):
    assert refused_status(presign(server.url, ALICE, extra={"prefetch-on": "later"})) == 400
    assert refused_status(presign(server.url, ALICE, extra={"prefetch-sort-by": "name"})) == 400


def test_other_paths_are_not_found(server):
    url = presign(server.url, ALICE).replace("/connect?", "/elsewhere?")
    assert refused_status(url) == 404


def test_prefetch_sends_channel_details_after_session_established(hub):
    asked = []

    def prefetch(user_arn, sort_by):
        asked.append((user_arn, sort_by))
        return [{"Channel": {"ChannelArn": f"{APP}/channel/c1", "Name": "c1"},
                 "ChannelMessages": [], "ChannelMemberships": []}]

    server = start_session_server(hub=hub, user_exists={ALICE}.__contains__, prefetch=prefetch)
    try:
        url = presign(server.url, ALICE,
                      extra={"prefetch-on": "connect", "prefetch-sort-by": "last-message-timestamp"})
        with connect(url, open_timeout=5) as ws:
            assert next_frame(ws)["Headers"]["x-amz-chime-event-type"] == "SESSION_ESTABLISHED"
            details = next_frame(ws)
            assert details["Headers"]["x-amz-chime-event-type"] == "CHANNEL_DETAILS"
            assert json.loads(details["Payload"])["Channel"]["Name"] == "c1"
        assert asked == [(ALICE, "last-message-timestamp")]
    finally:
        server.stop()


def test_slow_client_is_dropped_without_blocking_publishers(hub):
    server = start_session_server(hub=hub, user_exists={ALICE}.__contains__,
                                  prefetch=lambda arn, sort_by: [], max_pending=20)
    try:
        # max_queue=1 and a tiny read buffer: the client stops reading after one frame, so
        # TCP back-pressure reaches the server.
        with connect(presign(server.url, ALICE), open_timeout=5, max_queue=1) as ws:
            next_frame(ws)
            big = message_frame("x" * 60_000)
            published = threading.Event()

            def publish_many():
                for _ in range(2_000):
                    if not hub.connected(ALICE):
                        break
                    hub.publish([ALICE], big)
                published.set()

            threading.Thread(target=publish_many, daemon=True).start()
            assert published.wait(20), "publishers were blocked by a slow session"
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        wait_until(lambda: not hub.connected(ALICE))
    finally:
        server.stop()


def test_stop_closes_sessions_with_going_away(hub):
    server = start_session_server(hub=hub, user_exists={ALICE}.__contains__, prefetch=lambda a, s: [])
    with connect(presign(server.url, ALICE), open_timeout=5) as ws:
        next_frame(ws)
        server.stop()
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    assert not hub.connected(ALICE)


class TestStsCredentials:
    """Services may presign with scoped STS credentials; the server knows moto's keys."""

    POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "chime:Connect", "Resource": f"{APP}/user/ali*"},
        {"Effect": "Allow", "Action": "chime:GetMessagingSessionEndpoint", "Resource": "*"},
    ]})

    @pytest.fixture
    def sts_credentials(self, monkeypatch):
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"):
            monkeypatch.delenv(name, raising=False)
        with mock_aws():
            sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="testing",
                               aws_secret_access_key="testing")
            issued = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/messaging",
                                     RoleSessionName="session-url", Policy=self.POLICY)["Credentials"]
            yield BotoCredentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])

    @pytest.fixture
    def sts_server(self, hub, sts_credentials):
        server = start_session_server(hub=hub, user_exists={ALICE, BOB}.__contains__,
                                      prefetch=lambda a, s: [])
        yield server
        server.stop()

    def test_session_policy_allows_its_user(self, sts_server, sts_credentials):
        with connect(presign(sts_server.url, ALICE, credentials=sts_credentials), open_timeout=5) as ws:
            assert next_frame(ws)["Headers"]["x-amz-chime-event-type"] == "SESSION_ESTABLISHED"

    def test_session_policy_refuses_other_users(self, sts_server, sts_credentials):
        assert refused_status(presign(sts_server.url, BOB, credentials=sts_credentials)) == 403

    def test_session_token_is_required(self, sts_server, sts_credentials):
        without_token = BotoCredentials(sts_credentials.access_key, sts_credentials.secret_key)
        assert refused_status(presign(sts_server.url, ALICE, credentials=without_token)) == 403


def test_credentials_resolver_is_injectable(hub):
    resolver = static_resolver("AKIALOCALTEST", "s3cret", ACCOUNT)
    server = start_session_server(hub=hub, credentials=resolver,
                                  user_exists={ALICE}.__contains__, prefetch=lambda a, s: [])
    try:
        with connect(presign(server.url, ALICE, credentials=BotoCredentials("AKIALOCALTEST", "s3cret")),
                     open_timeout=5) as ws:
            next_frame(ws)
        assert refused_status(presign(server.url, ALICE)) == 403
    finally:
        server.stop()


def wait_until(condition, timeout=5.0):
    done = threading.Event()
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=timeout)
    while not condition():
        if datetime.datetime.now() > deadline:
            raise AssertionError("condition not reached in time")
        done.wait(0.02)


class TestWithTheEmulator:
    """Default wiring: users and prefetch come from the emulated Chime services, frames from
    what boto3 does to a channel."""

    @pytest.fixture
    def chime(self, boto_client):
        identity, messaging = boto_client("chime-sdk-identity"), boto_client("chime-sdk-messaging")
        app = identity.create_app_instance(Name="sessions", ClientRequestToken="app-1")["AppInstanceArn"]
        users = {
            user_id: identity.create_app_instance_user(
                AppInstanceArn=app, AppInstanceUserId=user_id, Name=user_id.title(),
                ClientRequestToken=f"user-{user_id}")["AppInstanceUserArn"]
            for user_id in ("doctor", "patient", "outsider")
        }
        channel = messaging.create_channel(
            AppInstanceArn=app, Name="visit", Mode="RESTRICTED", Privacy="PRIVATE",
            ClientRequestToken="channel-1", ChimeBearer=users["doctor"],
            MemberArns=[users["doctor"], users["patient"]])["ChannelArn"]
        return messaging, channel, users

    @pytest.fixture
    def default_server(self, emulator, emulator_endpoint):
        server = start_session_server(hub=emulator.hub, user_exists=emulator.messaging.user_exists,
                                      prefetch=emulator.messaging.prefetch)
        yield server
        server.stop()

    def test_members_receive_channel_messages_and_others_do_not(self, default_server, chime):
        messaging, channel, users = chime
        with connect(presign(default_server.url, users["patient"]), open_timeout=5) as patient, \
                connect(presign(default_server.url, users["outsider"]), open_timeout=5) as outsider:
            next_frame(patient), next_frame(outsider)
            messaging.send_channel_message(ChannelArn=channel, Content="hello", Type="STANDARD",
                                           Persistence="PERSISTENT", ClientRequestToken="m-1",
                                           ChimeBearer=users["doctor"])
            frame = next_frame(patient)
            assert frame["Headers"]["x-amz-chime-event-type"] == "CREATE_CHANNEL_MESSAGE"
            assert json.loads(frame["Payload"])["Sender"]["Arn"] == users["doctor"]
            with pytest.raises(TimeoutError):
                outsider.recv(timeout=0.3)

    def test_users_unknown_to_the_identity_service_are_refused(self, default_server, chime):
        _, _, users = chime
        assert refused_status(presign(default_server.url, users["patient"] + "x")) == 404

    def test_prefetch_comes_from_the_channels_of_the_user(self, default_server, chime):
        messaging, channel, users = chime
        url = presign(default_server.url, users["patient"], extra={"prefetch-on": "connect"})
        with connect(url, open_timeout=5) as ws:
            assert next_frame(ws)["Headers"]["x-amz-chime-event-type"] == "SESSION_ESTABLISHED"
            details = json.loads(next_frame(ws)["Payload"])
            assert details["Channel"]["ChannelArn"] == channel


class TestSessionPolicy:
    USER = f"{APP}/user/alice"

    def allows(self, *statements):
        return session_policy_allows(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
                                     "chime:Connect", self.USER)

    def test_wildcards_on_action_and_resource(self):
        assert self.allows({"Effect": "Allow", "Action": "chime:*", "Resource": "*"})
        assert self.allows({"Effect": "Allow", "Action": ["s3:GetObject", "CHIME:connect"],
                            "Resource": f"{APP}/user/al?ce"})
        assert not self.allows({"Effect": "Allow", "Action": "chime:Send*", "Resource": "*"})
        assert not self.allows({"Effect": "Allow", "Action": "chime:Connect", "Resource": f"{APP}/user/bob"})

    def test_explicit_deny_wins(self):
        assert not self.allows({"Effect": "Allow", "Action": "*", "Resource": "*"},
                               {"Effect": "Deny", "Action": "chime:Connect", "Resource": self.USER})

    def test_not_action_and_not_resource(self):
        assert self.allows({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})
        assert not self.allows({"Effect": "Allow", "Action": "*", "NotResource": f"{APP}/*"})

    def test_conditions_fail_closed(self):
        condition = {"StringEquals": {"aws:SourceIp": "127.0.0.1"}}
        assert not self.allows({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition})
        assert not self.allows({"Effect": "Allow", "Action": "*", "Resource": "*"},
                               {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition})

    def test_malformed_policy_allows_nothing(self):
        assert not session_policy_allows("not json", "chime:Connect", self.USER)
        assert not session_policy_allows("[]", "chime:Connect", self.USER)
        assert not self.allows({"Effect": "Allow", "Resource": "*"})


def test_a_taken_port_fails_start(hub):
    first = start_session_server(hub=hub, user_exists=set().__contains__, prefetch=lambda a, s: [])
    try:
        with pytest.raises(OSError):
            start_session_server(port=first.port, hub=hub)
    finally:
        first.stop()


def test_stop_right_after_start_and_twice(hub):
    server = start_session_server(hub=hub, user_exists=set().__contains__, prefetch=lambda a, s: [])
    server.stop()
    server.stop()
    with pytest.raises(OSError):
        connect(f"ws://{server.url}/connect", open_timeout=2)
