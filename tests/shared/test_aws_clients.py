"""The AWS client factory: nothing at import, one cached client per service, calls observable."""
import subprocess
import sys

import boto3
import pytest
from moto import mock_aws

from telehealth_shared.aws import AwsClients, add_call_listener, remove_call_listener


def test_importing_services_creates_no_client():
    code = ("import botocore.client as c; made=[]; orig=c.BaseClient.__init__\n"
            "def spy(self,*a,**k): made.append(1); orig(self,*a,**k)\n"
            "c.BaseClient.__init__=spy\n"
            "import telehealth_shared.aws, telehealth_shared.edge, telehealth_shared.auth\n"
            "print(len(made))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "0"


def test_clients_are_cached_configured_and_counted(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clients = AwsClients(region="us-east-1")
    assert clients.dynamodb is clients.dynamodb
    config = clients.dynamodb.meta.config
    assert config.retries["mode"] == "standard" and config.connect_timeout == 3
    seen = []
    listener = lambda service, operation: seen.append((service, operation))
    add_call_listener(listener)
    try:
        with mock_aws():
            clients.dynamodb.list_tables()
    finally:
        remove_call_listener(listener)
    assert seen == [("dynamodb", "ListTables")]
    with pytest.raises(AttributeError):
        clients.not_a_service


def test_endpoint_override_is_honoured(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING", "http://127.0.0.1:4566")
    client = AwsClients(region="us-east-1").chime_messaging
    assert client.meta.endpoint_url == "http://127.0.0.1:4566"


def test_never_retrying_clients_are_one_cached_sibling_with_one_attempt(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clients = AwsClients(region="us-east-1", read_timeout=7)
    sender = clients.never_retrying()
    assert sender is clients.never_retrying() and sender is not clients
    config = sender.sms.meta.config
    assert config.retries["total_max_attempts"] == 1 and config.read_timeout == 7
    assert sender.sms.meta.service_model.service_name == "pinpoint-sms-voice-v2"
    assert clients.dynamodb.meta.config.retries["total_max_attempts"] > 1


def test_sms_context_refuses_anything_but_identifiers_before_sending():
    from telehealth_shared.config import get_settings
    from telehealth_shared.sms import send_text

    class NoClients:
        def never_retrying(self):
            raise AssertionError("nothing may be sent")

    with pytest.raises(ValueError):
        send_text(NoClients(), get_settings(), "+12025550123", "hi", {"appointment_id": "a", "name": "Ada"})


def test_each_client_has_a_named_accessor_for_its_service(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clients = AwsClients(region="us-east-1")
    expected = {"cognito": "cognito-idp", "dynamodb": "dynamodb", "stepfunctions": "stepfunctions",
                "chime_identity": "chime-sdk-identity", "chime_messaging": "chime-sdk-messaging",
                "chime_meetings": "chime-sdk-meetings", "chime_voice": "chime-sdk-voice",
                "sms": "pinpoint-sms-voice-v2", "sesv2": "sesv2", "sts": "sts"}
    for name, service in expected.items():
        client = getattr(clients, name)
        assert client.meta.service_model.service_name == service and client is clients.client(service)
        assert name in vars(AwsClients)  # declared on the class, not looked up by __getattr__


def test_threads_asking_at_once_share_one_client_and_one_never_retrying_set(monkeypatch):
    import threading

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clients = AwsClients(region="us-east-1")
    barrier = threading.Barrier(8)
    got = []

    def ask():
        barrier.wait()
        got.append((clients.sts, clients.never_retrying()))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(got) == 8 and len({id(c) for c, _ in got}) == 1 and len({id(n) for _, n in got}) == 1


def test_siblings_with_other_limits_are_cached_per_limits(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clients = AwsClients(region="us-east-1")
    tight = clients.with_limits(connect_timeout=1, read_timeout=3, max_attempts=2)
    assert tight is clients.with_limits(1, 3, 2) and tight is not clients.with_limits(1, 3, 0)
    config = tight.dynamodb.meta.config
    assert (config.connect_timeout, config.read_timeout, config.retries["total_max_attempts"]) == (1, 3, 3)
    assert clients.never_retrying() is clients.with_limits(3, 10, 0)
