"""Fixtures the shared package's tests have in common: a channel on a fresh local emulator."""
import pytest
from stack_fixture import serve_emulator
from telehealth_local.emulator.app import build_emulator
from telehealth_local.events import EventHub
from telehealth_local.layout import CREDENTIALS, REGION
from telehealth_local.outbox import Outbox

from telehealth_shared.aws import AwsClients


@pytest.fixture
def channel(monkeypatch):
    """(clients, channel ARN, member ARN): a channel with one member on an emulator of its own."""
    with serve_emulator(build_emulator(outbox=Outbox(), hub=EventHub())) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        for name, value in CREDENTIALS.items():
            monkeypatch.setenv(name, value)
        clients = AwsClients(region=REGION)
        app = clients.chime_identity.create_app_instance(Name="t", ClientRequestToken="app-1")["AppInstanceArn"]
        member = clients.chime_identity.create_app_instance_user(
            AppInstanceArn=app, AppInstanceUserId="pat", Name="P", ClientRequestToken="user-1")["AppInstanceUserArn"]
        arn = clients.chime_messaging.create_channel(
            AppInstanceArn=app, Name="visit", Mode="RESTRICTED", Privacy="PRIVATE", ClientRequestToken="ch-1",
            ChimeBearer=member)["ChannelArn"]
        yield clients, arn, member
