"""The emulator's side of the local media plane (telehealth_local.control.media_link): meetings point
SignalingUrl at it, join tokens are websocket-safe, the control API answers its two questions
(who holds this token, who is in this meeting), and roster changes are pushed to it."""
from __future__ import annotations

import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from werkzeug.test import Client

from stack_fixture import wait_for
from telehealth_local.control import media_link
from telehealth_local.control.api import ControlApi

WAITING = {"Audio": "None", "Video": "None", "Content": "None"}


@pytest.fixture
def chime(boto_client):
    return boto_client("chime-sdk-meetings")


@pytest.fixture
def control(emulator) -> Client:
    return Client(ControlApi(outbox=emulator.outbox, calls=emulator.calls, sms=emulator.sms, meetings=emulator.meetings))


@pytest.fixture
def media_endpoint(emulator) -> str:
    emulator.meetings.set_media_endpoint("127.0.0.1:4999")
    return "127.0.0.1:4999"


def new_meeting(chime: Any) -> dict[str, Any]:
    return chime.create_meeting(ClientRequestToken=uuid.uuid4().hex, MediaRegion="us-east-1",
                                ExternalMeetingId="appointment-1")["Meeting"]


def test_with_a_media_plane_signaling_url_leads_to_it_without_a_query_string(chime, media_endpoint):
    meeting = new_meeting(chime)
    placement = meeting["MediaPlacement"]
    assert placement["SignalingUrl"] == f"ws://{media_endpoint}/control/{meeting['MeetingId']}"
    assert "?" not in placement["SignalingUrl"]
    assert placement["EventIngestionUrl"] == f"http://{media_endpoint}/v1/client-events"
    assert all(media_endpoint in url for url in placement.values())


def test_without_one_urls_lead_nowhere(chime):
    placement = new_meeting(chime)["MediaPlacement"]
    assert all(".invalid" in url for url in placement.values())


def test_join_tokens_are_base64url_without_padding(chime):
    meeting = new_meeting(chime)
    for n in range(8):  # several lengths of attendee id + secret would need padding
        token = chime.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId=f"user-{n}")["Attendee"]["JoinToken"]
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)


def test_control_api_resolves_a_join_token_and_lists_the_roster(chime, control):
    meeting = new_meeting(chime)
    mid = meeting["MeetingId"]
    doctor = chime.create_attendee(MeetingId=mid, ExternalUserId="doctor-1")["Attendee"]
    patient = chime.create_attendee(MeetingId=mid, ExternalUserId="patient-1", Capabilities=WAITING)["Attendee"]

    joined = control.post(f"/_local/media/meetings/{mid}/join", json={"JoinToken": patient["JoinToken"]})
    assert joined.status_code == 200
    assert joined.get_json() == {"Attendee": {"AttendeeId": patient["AttendeeId"], "ExternalUserId": "patient-1",
                                              "Capabilities": WAITING}}
    assert control.post(f"/_local/media/meetings/{mid}/join", json={"JoinToken": "bm90LWEtdG9rZW4"}).status_code == 404
    assert control.post(f"/_local/media/meetings/{mid}/join", json={}).status_code == 400
    # A token is only good for its own meeting.
    other = new_meeting(chime)["MeetingId"]
    assert control.post(f"/_local/media/meetings/{other}/join", json={"JoinToken": doctor["JoinToken"]}).status_code == 404

    chime.update_attendee_capabilities(MeetingId=mid, AttendeeId=patient["AttendeeId"],
                                       Capabilities={"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"})
    roster = control.get(f"/_local/media/meetings/{mid}").get_json()
    assert roster["MeetingId"] == mid
    assert [(a["AttendeeId"], a["Capabilities"]["Audio"]) for a in roster["Attendees"]] == [
        (doctor["AttendeeId"], "SendReceive"), (patient["AttendeeId"], "SendReceive")]
    assert all("JoinToken" not in a for a in roster["Attendees"])

    chime.delete_meeting(MeetingId=mid)
    assert control.get(f"/_local/media/meetings/{mid}").status_code == 404
    assert control.post(f"/_local/media/meetings/{mid}/join", json={"JoinToken": doctor["JoinToken"]}).status_code == 404


class _Recorder(BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        type(self).paths.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def media_plane() -> Iterator[tuple[int, list[str]]]:
    _Recorder.paths = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port, _Recorder.paths
    finally:
        server.shutdown()
        thread.join(5)


def test_every_roster_change_is_pushed_to_the_media_plane(emulator, chime, media_plane):
    port, paths = media_plane
    notifier = media_link.connect(emulator.meetings, "127.0.0.1", port)
    try:
        mid = new_meeting(chime)["MeetingId"]
        changed = f"/_internal/meetings/{mid}/changed"
        attendee = chime.create_attendee(MeetingId=mid, ExternalUserId="patient-1")["Attendee"]
        wait_for(lambda: paths.count(changed) == 1, 5, message="the attendee's creation to be pushed")
        chime.update_attendee_capabilities(MeetingId=mid, AttendeeId=attendee["AttendeeId"], Capabilities=WAITING)
        wait_for(lambda: paths.count(changed) == 2, 5, message="the capability change to be pushed")
        chime.batch_update_attendee_capabilities_except(
            MeetingId=mid, ExcludedAttendeeIds=[{"AttendeeId": str(uuid.uuid4())}], Capabilities=WAITING)
        wait_for(lambda: paths.count(changed) == 3, 5, message="the batch change to be pushed")
        chime.delete_attendee(MeetingId=mid, AttendeeId=attendee["AttendeeId"])
        wait_for(lambda: paths.count(changed) == 4, 5, message="the removal to be pushed")
        chime.delete_meeting(MeetingId=mid)
        wait_for(lambda: paths.count(changed) == 5, 5, message="the meeting's end to be pushed")
    finally:
        notifier.close()
