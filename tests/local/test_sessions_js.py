"""The real amazon-chime-sdk-js DefaultMessagingSession (Node 20, tests/js) against the emulator
and the messaging-session server: it resolves GetMessagingSessionEndpoint, connects with its
own SigV4 presigned URL and receives a message that boto3 sends."""
from __future__ import annotations

import json
import os
import pathlib
import queue
import shutil
import subprocess
import threading
import uuid
from typing import Iterator

import pytest

from telehealth_local.sessions import start_session_server

pytestmark = pytest.mark.timeout(180)

JS_DIR = pathlib.Path(__file__).resolve().parents[1] / "js"
CLIENT = JS_DIR / "messaging-session.js"
NODE = shutil.which("node")
NPM = shutil.which("npm")
if NODE is None or NPM is None:
    pytest.skip("node and npm are needed for the amazon-chime-sdk-js tests (Node 20+)",
                allow_module_level=True)

_install_lock = threading.Lock()


def ensure_node_modules() -> None:
    """`npm ci` from the committed package-lock.json unless the pinned packages are installed."""
    with _install_lock:
        version = subprocess.run([NODE, "--version"], capture_output=True, text=True, timeout=30).stdout
        assert int(version.lstrip("v").split(".")[0]) >= 20, f"amazon-chime-sdk-js 3.x needs Node 20+, found {version}"
        wanted = json.loads((JS_DIR / "package.json").read_text())["dependencies"]
        for name, version in wanted.items():
            installed = JS_DIR / "node_modules" / name / "package.json"
            if not installed.exists() or json.loads(installed.read_text())["version"] != version:
                break
        else:
            return
        result = subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR,
                                capture_output=True, text=True, timeout=150)
        assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture
def session_server(emulator, emulator_endpoint) -> Iterator[str]:
    """The websocket server, published through GetMessagingSessionEndpoint; yields the
    emulator's base URL for clients."""
    server = start_session_server(hub=emulator.hub, user_exists=emulator.messaging.user_exists,
                                  prefetch=emulator.messaging.prefetch)
    emulator.set_session_endpoint(server.url)
    try:
        yield emulator_endpoint
    finally:
        server.stop()


class NodeClient:
    """messaging-session.js as a child process; its JSON lines are read on a thread."""

    def __init__(self, endpoint: str, user_arn: str, *extra: str, timeout_ms: int = 60_000):
        ensure_node_modules()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        self.process = subprocess.Popen(
            [NODE, str(CLIENT), "--endpoint", endpoint, "--user-arn", user_arn,
             "--timeout-ms", str(timeout_ms), *extra],
            cwd=JS_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: queue.Queue[dict] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.process.stdout:
            self.lines.put(json.loads(line))

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line)

    def next_event(self, timeout: float = 30) -> dict:
        try:
            record = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"node printed nothing in {timeout}s; stderr:\n{''.join(self.stderr)}")
        assert record["event"] != "error", f"{record}; stderr:\n{''.join(self.stderr)}"
        return record

    def next_message(self, event_type: str) -> dict:
        while True:
            record = self.next_event()
            if record["event"] == "message" and record["type"] == event_type:
                return record

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


@pytest.fixture
def node_clients() -> Iterator[list[NodeClient]]:
    started: list[NodeClient] = []
    yield started
    for client in started:
        client.close()


def make_channel(boto_client):
    identity = boto_client("chime-sdk-identity")
    messaging = boto_client("chime-sdk-messaging")
    app = identity.create_app_instance(Name="telehealth-test", ClientRequestToken=str(uuid.uuid4()))
    app_arn = app["AppInstanceArn"]

    def user(user_id: str, name: str) -> str:
        return identity.create_app_instance_user(
            AppInstanceArn=app_arn, AppInstanceUserId=user_id, Name=name,
            ClientRequestToken=str(uuid.uuid4()))["AppInstanceUserArn"]

    doctor, patient = user("doctor-1", "Dr Who"), user("patient-1", "Pat")
    channel = messaging.create_channel(
        AppInstanceArn=app_arn, Name="appointment", Mode="RESTRICTED", Privacy="PRIVATE",
        ClientRequestToken=str(uuid.uuid4()), ChimeBearer=doctor,
        MemberArns=[doctor, patient])["ChannelArn"]
    return messaging, channel, doctor, patient


def test_default_messaging_session_receives_a_boto3_message(session_server, boto_client, node_clients):
    messaging, channel, doctor, patient = make_channel(boto_client)
    client = NodeClient(session_server, patient, "--messages", "1")
    node_clients.append(client)
    assert client.next_event()["event"] == "started"
    established = client.next_message("SESSION_ESTABLISHED")
    assert established["headers"]["x-amz-chime-message-type"] == "SYSTEM"

    sent = messaging.send_channel_message(
        ChannelArn=channel, Content="See you at 10", Metadata='{"kind":"chat"}',
        Type="STANDARD", Persistence="PERSISTENT", ClientRequestToken=str(uuid.uuid4()),
        ChimeBearer=doctor)

    received = client.next_message("CREATE_CHANNEL_MESSAGE")
    assert received["headers"]["x-amz-chime-message-type"] == "STANDARD"
    payload = json.loads(received["payload"])
    assert payload["Content"] == "See you at 10"
    assert payload["Metadata"] == '{"kind":"chat"}'
    assert payload["Sender"] == {"Arn": doctor, "Name": "Dr Who"}
    assert payload["MessageId"] == sent["MessageId"]
    assert payload["ChannelArn"] == channel
    assert client.process.wait(30) == 0


def test_prefetch_on_connect_delivers_channel_details(session_server, boto_client, node_clients):
    messaging, channel, doctor, patient = make_channel(boto_client)
    messaging.send_channel_message(
        ChannelArn=channel, Content="Earlier message", Type="STANDARD", Persistence="PERSISTENT",
        ClientRequestToken=str(uuid.uuid4()), ChimeBearer=doctor)
    client = NodeClient(session_server, patient, "--prefetch", "--messages", "1")
    node_clients.append(client)

    details = json.loads(client.next_message("CHANNEL_DETAILS")["payload"])
    assert details["Channel"]["ChannelArn"] == channel
    assert [m["Content"] for m in details["ChannelMessages"]] == ["Earlier message"]

    messaging.send_channel_message(
        ChannelArn=channel, Content="Live message", Type="STANDARD", Persistence="NON_PERSISTENT",
        ClientRequestToken=str(uuid.uuid4()), ChimeBearer=doctor)
    live = json.loads(client.next_message("CREATE_CHANNEL_MESSAGE")["payload"])
    assert live["Content"] == "Live message"
    assert live["Persistence"] == "NON_PERSISTENT"
    assert client.process.wait(30) == 0


def test_session_for_an_unknown_user_never_starts(session_server, boto_client, node_clients):
    messaging, channel, doctor, patient = make_channel(boto_client)
    ghost = patient.rsplit("/", 1)[0] + "/ghost"
    client = NodeClient(session_server, ghost, "--reconnect-timeout-ms", "2000", timeout_ms=30_000)
    node_clients.append(client)
    # The SDK retries a refused upgrade (close 1006) until its reconnect budget runs out, then
    # rejects start().
    record = client.lines.get(timeout=40)
    assert record["event"] == "error" and record["message"] == "start() rejected", record
    assert client.process.wait(10) == 1
