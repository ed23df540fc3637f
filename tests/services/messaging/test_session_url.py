"""The presigned session URL, checked by the local session server's own SigV4 verifier."""
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from telehealth_local.sessions.credentials import static_resolver
from telehealth_local.sessions.presign import PresignError, verify_presigned

from chalicelib import session_url
from chalicelib.session_url import _hostname, _role_session_name
from messaging_fixtures import offline_settings as settings


class FakeMessaging:
    """Stands in for the endpoint lookup only; the signature is checked for real."""

    def __init__(self, url):
        self.url = url
        self.calls = 0

    def get_messaging_session_endpoint(self):
        self.calls += 1
        return {"Endpoint": {"Url": self.url}}


class Clients:
    def __init__(self, url):
        self.chime_messaging = FakeMessaging(url)


@pytest.fixture(autouse=True)
def static_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv(session_url.SESSION_ROLE_ENV, raising=False)
    monkeypatch.setattr(session_url, "_service_session", None)
    from telehealth_shared.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# The URL itself, without the audit event every request records (test_audit_events.py checks
# that one against the stack; these clients reach no AWS).
create_session = session_url.create_session.__wrapped__


def principal(user_id="pat"):
    from telehealth_shared.auth import Principal

    return Principal(user_id=user_id, role="patient", name="", email="")


def target(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_local_url_is_plain_ws_and_verifies_for_the_caller_only():
    clients = Clients("127.0.0.1:4599")
    response = create_session(clients, settings(), principal("pat"))
    assert response.websocket_url.startswith("ws://127.0.0.1:4599/connect?")
    assert response.app_instance_user_arn == settings().app_instance_arn + "/user/pat"
    verified = verify_presigned("GET", target(response.websocket_url), {"host": "127.0.0.1:4599"},
                                static_resolver(), service="chime")
    assert verified.params["userArn"] == response.app_instance_user_arn
    assert verified.expires_at == response.expires_at
    assert 0 < (response.expires_at - datetime.now(timezone.utc)).total_seconds() <= session_url.URL_EXPIRES_SECONDS


def test_changing_the_user_breaks_the_signature():
    clients = Clients("127.0.0.1:4599")
    url = create_session(clients, settings(), principal("pat")).websocket_url
    forged = target(url).replace("%2Fuser%2Fpat", "%2Fuser%2Fdoc")
    assert forged != target(url)
    with pytest.raises(PresignError) as refused:
        verify_presigned("GET", forged, {"host": "127.0.0.1:4599"}, static_resolver(), service="chime")
    assert refused.value.status == 403


def test_remote_endpoint_is_wss_and_looked_up_once():
    clients = Clients("abc.ws-messaging.chime.aws")
    first = create_session(clients, settings(), principal()).websocket_url
    second = create_session(clients, settings(), principal()).websocket_url
    assert first.startswith("wss://abc.ws-messaging.chime.aws/connect?") and second.startswith("wss://")
    assert parse_qs(urlsplit(first).query)["sessionId"] != parse_qs(urlsplit(second).query)["sessionId"]
    assert clients.chime_messaging.calls == 1


@pytest.mark.parametrize("host, name", [("127.0.0.1:4566", "127.0.0.1"), ("localhost", "localhost"),
                                        ("x.chime.aws", "x.chime.aws"), ("[::1]:80", "::1")])
def test_hostname(host, name):
    assert _hostname(host) == name


def test_role_session_name_is_valid_for_sts():
    name = _role_session_name("a" * 80 + "/x y")
    assert len(name) <= 64 and name.startswith("messaging-") and "/" not in name and " " not in name
