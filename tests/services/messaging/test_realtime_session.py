"""GET /session on the local stack: the presigned URL admits only the caller's own
AppInstanceUser, and the socket then delivers what the other participant sends, check-ins
included, in the Chime SDK frame format."""
import json
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from telehealth_shared.aws import default_clients
from telehealth_shared.config import get_settings

from chalicelib.session_url import SESSION_ROLE_ENV, session_credentials
from messaging_fixtures import call, create_appointment
from users import make_user

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def doctor(settings):
    return make_user(settings, "doctor", "Dr Grace")


@pytest.fixture(scope="module")
def patient(settings):
    return make_user(settings, "patient", "Zoë Patient")


def session_url(api, user):
    status, body = call(api, "GET", "/session", user)
    assert status == 200, body
    return body


def next_event(ws, event_type, accept=lambda payload: True, timeout=10.0):
    """The next frame of `event_type` whose payload `accept`s, skipping others (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {event_type} frame within {timeout}s"
        frame = json.loads(ws.recv(timeout=remaining))
        assert set(frame) == {"Headers", "Payload"} and isinstance(frame["Payload"], str)
        if frame["Headers"]["x-amz-chime-event-type"] != event_type:
            continue
        payload = json.loads(frame["Payload"]) if frame["Payload"] else None
        if accept(payload):
            return frame, payload


def refused_status(url):
    with pytest.raises(InvalidStatus) as refused:
        with connect(url, open_timeout=5):
            pass
    return refused.value.response.status_code


def test_session_response_is_for_the_caller_only(api, stack, patient):
    body = session_url(api, patient)
    assert set(body) == {"websocket_url", "app_instance_user_arn", "expires_at"}
    assert body["app_instance_user_arn"] == patient.app_instance_user_arn
    url = urlsplit(body["websocket_url"])
    assert (url.scheme, url.hostname, url.port, url.path) == ("ws", "127.0.0.1", stack.sessions_port, "/connect")
    query = parse_qs(url.query)
    assert query["userArn"] == [patient.app_instance_user_arn]
    assert query["X-Amz-SignedHeaders"] == ["host"] and int(query["X-Amz-Expires"][0]) <= 60
    expires_at = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert 0 < (expires_at - datetime.now(timezone.utc)).total_seconds() <= 60


def test_patient_receives_the_doctors_message_and_check_in(api, stack, doctor, patient):
    record = create_appointment(stack, doctor, patient)
    base = f"/appointments/{record.appointment_id}"
    with connect(session_url(api, patient)["websocket_url"], open_timeout=5, close_timeout=2) as ws:
        first = json.loads(ws.recv(timeout=5))
        assert first["Headers"]["x-amz-chime-event-type"] == "SESSION_ESTABLISHED"

        status, sent = call(api, "POST", f"{base}/messages", doctor, {"content": "Bonjour, ça va ? 🩺", "client_id": "web-1"})
        assert status == 201
        frame, payload = next_event(ws, "CREATE_CHANNEL_MESSAGE", lambda p: p["MessageId"] == sent["message_id"])
        assert frame["Headers"]["x-amz-chime-message-type"] == "STANDARD"
        assert payload["ChannelArn"] == record.channel_arn
        assert payload["Content"] == "Bonjour, ça va ? 🩺"
        assert json.loads(payload["Metadata"]) == {"kind": "chat", "client_id": "web-1"}
        assert payload["Sender"]["Arn"] == doctor.app_instance_user_arn

        assert call(api, "POST", f"{base}/check-in", doctor)[0] == 200
        _, payload = next_event(ws, "CREATE_CHANNEL_MESSAGE",
                                lambda p: p["ChannelArn"] == record.channel_arn and p["Content"] != sent["content"])
        assert payload["Content"] == f"{doctor.name} checked in."
        assert json.loads(payload["Metadata"]) == {"kind": "presence", "data": {"role": "doctor", "presence": "checked_in"}}
        assert payload["Sender"]["Arn"] == doctor.app_instance_user_arn


def test_a_url_cannot_be_turned_into_someone_elses_session(api, doctor, patient):
    url = session_url(api, patient)["websocket_url"]
    forged = url.replace(patient.user_id, doctor.user_id)
    assert forged != url
    assert refused_status(forged) == 403


def test_session_role_credentials_only_connect_as_the_caller(api, stack, monkeypatch, request, doctor, patient):
    iam = stack.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                                   "Action": "sts:AssumeRole"}]}
    role_name = f"messaging-sessions-{patient.user_id[:8]}"
    role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    # As the deployed messaging-session role: Connect as any user of the app instance; each URL's
    # session policy narrows that to its caller (a session policy never grants more than the role).
    iam.put_role_policy(RoleName=role_name, PolicyName="connect", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "chime:Connect",
                                                "Resource": f"{stack.settings['TELEHEALTH_APP_INSTANCE_ARN']}/user/*"}]}))
    monkeypatch.setenv(SESSION_ROLE_ENV, role_arn)
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)

    body = session_url(api, patient)
    query = parse_qs(urlsplit(body["websocket_url"]).query)
    assert query["X-Amz-Credential"][0].split("/")[0] != "testing" and query["X-Amz-Security-Token"]
    with connect(body["websocket_url"], open_timeout=5) as ws:
        assert json.loads(ws.recv(timeout=5))["Headers"]["x-amz-chime-event-type"] == "SESSION_ESTABLISHED"

    # Even someone holding the secret of such credentials can only connect as that user.
    credentials = session_credentials(default_clients(), get_settings(), patient.app_instance_user_arn, patient.user_id)
    host = urlsplit(body["websocket_url"]).netloc
    for user, expected in ((patient, None), (doctor, 403)):
        request = AWSRequest(method="GET", url=f"wss://{host}/connect?userArn={user.app_instance_user_arn}&sessionId=s1")
        SigV4QueryAuth(credentials, "chime", "us-east-1", expires=30).add_auth(request)
        url = "ws://" + request.url.removeprefix("wss://")
        if expected is None:
            with connect(url, open_timeout=5) as ws:
                assert json.loads(ws.recv(timeout=5))["Headers"]["x-amz-chime-event-type"] == "SESSION_ESTABLISHED"
        else:
            assert refused_status(url) == expected
