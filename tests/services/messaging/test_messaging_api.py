"""Messaging service on the local stack: who may do what, presence (including concurrent
check-ins), chat with its size rules, history pages and the metadata convention seen by plain
Chime clients."""
import base64
import json
import threading
import uuid

import pytest
import requests

from messaging_fixtures import call, cancel, create_appointment, stored_item
from users import make_user

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def doctor(settings):
    return make_user(settings, "doctor", "Dr Ada Lovelace")


@pytest.fixture(scope="module")
def patient(settings):
    return make_user(settings, "patient", "Bob Émile")


@pytest.fixture(scope="module")
def stranger(settings):
    return make_user(settings, "patient", "Eve")


@pytest.fixture
def appointment(stack, doctor, patient):
    return create_appointment(stack, doctor, patient)


def paths(appointment_id):
    base = f"/appointments/{appointment_id}"
    return [("POST", f"{base}/check-in", None), ("POST", f"{base}/check-out", None), ("GET", f"{base}/presence", None),
            ("POST", f"{base}/messages", {"content": "hi"}), ("GET", f"{base}/messages", None)]


def forged(token):
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["doctor"]
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


# -- authorization ------------------------------------------------------------------------

def test_every_endpoint_needs_a_valid_token(api, appointment, patient):
    for method, path, body in paths(appointment.appointment_id) + [("GET", "/session", None)]:
        status, error = call(api, method, path, body=body)
        assert (status, error["error"]["code"]) == (401, "Unauthorized"), path
        status, error = call(api, method, path, body=body,
                             headers={"Authorization": f"Bearer {forged(patient.id_token)}"})
        assert (status, error["error"]["code"]) == (401, "Unauthorized"), path
        status, _ = call(api, method, path, body=body, headers={"Authorization": "Bearer not.a.token"})
        assert status == 401, path


@pytest.mark.parametrize("appointment_id", ["does-not-exist", "a" * 65, "bad%20id"])
def test_unknown_appointments_are_not_found(api, patient, appointment_id):
    for method, path, body in paths(appointment_id):
        status, error = call(api, method, path, patient, body)
        assert (status, error["error"]["code"]) == (404, "NotFound"), path


def test_someone_elses_appointment_is_not_found_and_untouched(api, stack, appointment, stranger, settings):
    other_doctor = make_user(settings, "doctor", "Dr Other")
    for user in (stranger, other_doctor):
        for method, path, body in paths(appointment.appointment_id):
            status, error = call(api, method, path, user, body)
            assert (status, error["error"]["code"]) == (404, "NotFound"), path
            assert "No such appointment" in error["error"]["message"]
    item = stored_item(stack, appointment.appointment_id)
    assert (item["presence_doctor"], item["presence_patient"]) == ("added", "added")
    assert call(api, "GET", f"/appointments/{appointment.appointment_id}/messages", user=stranger)[0] == 404


def test_cancelled_appointment_refuses_changes_but_can_be_read(api, stack, appointment, doctor, patient):
    base = f"/appointments/{appointment.appointment_id}"
    assert call(api, "POST", f"{base}/messages", doctor, {"content": "See you soon"})[0] == 201
    assert call(api, "POST", f"{base}/check-in", patient)[0] == 200
    cancel(stack, appointment)
    for user in (doctor, patient):
        for method, path, body in [("POST", f"{base}/check-in", None), ("POST", f"{base}/check-out", None),
                                   ("POST", f"{base}/messages", {"content": "still there?"})]:
            status, error = call(api, method, path, user, body)
            assert (status, error["error"]["code"]) == (409, "Conflict"), path
    assert call(api, "GET", f"{base}/presence", doctor) == (200, {"presence": {"doctor": "added", "patient": "checked_in"}})
    status, page = call(api, "GET", f"{base}/messages", patient)
    assert status == 200
    assert [(m["kind"], m["content"]) for m in page["messages"]] == [
        ("chat", "See you soon"), ("presence", f"{patient.name} checked in.")]
    item = stored_item(stack, appointment.appointment_id)
    assert (item["status"], item["presence_doctor"], item["presence_patient"]) == ("cancelled", "added", "checked_in")


# -- presence -----------------------------------------------------------------------------

def test_check_in_and_out_are_stored_and_announced_once_per_change(api, stack, appointment, doctor, patient):
    base = f"/appointments/{appointment.appointment_id}"
    assert call(api, "GET", f"{base}/presence", patient) == (200, {"presence": {"doctor": "added", "patient": "added"}})
    assert call(api, "POST", f"{base}/check-in", patient) == (200, {"presence": {"doctor": "added", "patient": "checked_in"}})
    # A repeated check-in changes nothing and is not announced again.
    assert call(api, "POST", f"{base}/check-in", patient) == (200, {"presence": {"doctor": "added", "patient": "checked_in"}})
    assert call(api, "POST", f"{base}/check-in", doctor) == (200, {"presence": {"doctor": "checked_in", "patient": "checked_in"}})
    assert call(api, "POST", f"{base}/check-out", patient) == (200, {"presence": {"doctor": "checked_in", "patient": "added"}})
    assert call(api, "GET", f"{base}/presence", doctor) == (200, {"presence": {"doctor": "checked_in", "patient": "added"}})
    item = stored_item(stack, appointment.appointment_id)
    assert (item["presence_doctor"], item["presence_patient"]) == ("checked_in", "added")

    status, page = call(api, "GET", f"{base}/messages", doctor)
    assert status == 200
    events = [(m["kind"], m["content"], m["sender"], m.get("data")) for m in page["messages"]]
    assert events == [
        ("presence", f"{patient.name} checked in.", {"user_id": patient.user_id, "name": patient.name, "role": "patient"},
         {"role": "patient", "presence": "checked_in"}),
        ("presence", f"{doctor.name} checked in.", {"user_id": doctor.user_id, "name": doctor.name, "role": "doctor"},
         {"role": "doctor", "presence": "checked_in"}),
        ("presence", f"{patient.name} checked out.", {"user_id": patient.user_id, "name": patient.name, "role": "patient"},
         {"role": "patient", "presence": "added"}),
    ]


def test_concurrent_check_ins_both_persist_every_time(stack, doctor, patient):
    """Both participants check in at the same moment, many times over, through the service
    running as its own HTTP server: neither write is ever lost."""
    url = stack.url("messaging")
    sessions = [requests.Session(), requests.Session()]
    users = [doctor, patient]
    for _ in range(15):
        record = create_appointment(stack, doctor, patient)
        barrier = threading.Barrier(2, timeout=10)
        results, failures = [None, None], []

        def check_in(index):
            try:
                barrier.wait()
                response = sessions[index].post(f"{url}/appointments/{record.appointment_id}/check-in",
                                                headers=users[index].headers, timeout=20)
                results[index] = (response.status_code, response.json())
            except Exception as exc:  # reported below, with the round that failed
                failures.append(exc)

        threads = [threading.Thread(target=check_in, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not failures
        item = stored_item(stack, record.appointment_id)
        assert (item["presence_doctor"], item["presence_patient"]) == ("checked_in", "checked_in")
        assert [status for status, _ in results] == [200, 200]
        # Each answer shows its own check-in; the later of the two shows both.
        assert results[0][1]["presence"]["doctor"] == "checked_in"
        assert results[1][1]["presence"]["patient"] == "checked_in"
        assert {"presence": {"doctor": "checked_in", "patient": "checked_in"}} in [body for _, body in results]
        announced = stack.client("chime-sdk-messaging").list_channel_messages(
            ChannelArn=record.channel_arn, ChimeBearer=doctor.app_instance_user_arn)["ChannelMessages"]
        assert sorted(json.loads(m["Metadata"])["data"]["role"] for m in announced) == ["doctor", "patient"]
    for session in sessions:
        session.close()


def test_role_comes_from_the_appointment_not_the_token_group(api, stack, settings, doctor):
    # A doctor who is the patient of another doctor's appointment checks in as its patient.
    other_doctor = make_user(settings, "doctor", "Dr Treating")
    record = create_appointment(stack, other_doctor, doctor)
    status, body = call(api, "POST", f"/appointments/{record.appointment_id}/check-in", doctor)
    assert (status, body) == (200, {"presence": {"doctor": "added", "patient": "checked_in"}})
    item = stored_item(stack, record.appointment_id)
    assert (item["presence_doctor"], item["presence_patient"]) == ("added", "checked_in")


def test_a_failed_announcement_leaves_presence_as_it_was(api, stack, settings, appointment, patient):
    # The channel disappears behind the service's back (an operator deleted it): the check-in
    # cannot be announced, so it is undone and reported as a dependency failure.
    stack.client("chime-sdk-messaging").delete_channel(ChannelArn=appointment.channel_arn,
                                                        ChimeBearer=settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"])
    base = f"/appointments/{appointment.appointment_id}"
    status, error = call(api, "POST", f"{base}/check-in", patient)
    assert (status, error["error"]["code"]) == (503, "Unavailable")
    assert "arn:" not in error["error"]["message"]
    assert stored_item(stack, appointment.appointment_id)["presence_patient"] == "added"
    assert call(api, "POST", f"{base}/messages", patient, {"content": "hello?"})[0] == 503
    assert call(api, "GET", f"{base}/messages", patient)[0] == 503


# -- chat ---------------------------------------------------------------------------------

def test_send_message_as_the_sender_with_the_metadata_convention(api, stack, appointment, doctor, patient):
    base = f"/appointments/{appointment.appointment_id}"
    status, message = call(api, "POST", f"{base}/messages", patient, {"content": "Hello doctor", "client_id": "tab-1"})
    assert status == 201
    assert message["kind"] == "chat" and message["content"] == "Hello doctor" and message["client_id"] == "tab-1"
    assert message["sender"] == {"user_id": patient.user_id, "name": patient.name, "role": "patient"}
    assert message["created_at"].endswith("Z") and "data" not in message

    # What any Chime client (here plain boto3, as the doctor) sees on the channel.
    listed = stack.client("chime-sdk-messaging").list_channel_messages(
        ChannelArn=appointment.channel_arn, ChimeBearer=doctor.app_instance_user_arn)["ChannelMessages"]
    [chime] = [m for m in listed if m["MessageId"] == message["message_id"]]
    assert chime["Content"] == "Hello doctor"
    assert json.loads(chime["Metadata"]) == {"kind": "chat", "client_id": "tab-1"}
    assert chime["Sender"]["Arn"] == patient.app_instance_user_arn
    assert chime["Type"] == "STANDARD"

    status, without_client = call(api, "POST", f"{base}/messages", doctor, {"content": "Hi Bob"})
    assert status == 201 and "client_id" not in without_client
    listed = stack.client("chime-sdk-messaging").list_channel_messages(
        ChannelArn=appointment.channel_arn, ChimeBearer=patient.app_instance_user_arn)["ChannelMessages"]
    [chime] = [m for m in listed if m["MessageId"] == without_client["message_id"]]
    assert json.loads(chime["Metadata"]) == {"kind": "chat"}
    assert chime["Sender"]["Arn"] == doctor.app_instance_user_arn

    status, page = call(api, "GET", f"{base}/messages", doctor)
    assert [(m["message_id"], m["sender"]["role"], m.get("client_id")) for m in page["messages"]] == [
        (message["message_id"], "patient", "tab-1"), (without_client["message_id"], "doctor", None)]


def test_non_ascii_content_is_measured_in_utf8_bytes(api, appointment, patient):
    base = f"/appointments/{appointment.appointment_id}"
    greeting = "Grüße, Ärztin 👋 — 診察の前に質問があります"
    status, sent = call(api, "POST", f"{base}/messages", patient, {"content": greeting})
    assert status == 201 and sent["content"] == greeting

    exactly = "€" * 1365 + "a"  # 4096 bytes, 1366 characters
    status, sent_long = call(api, "POST", f"{base}/messages", patient, {"content": exactly})
    assert status == 201

    for content in ("€" * 1366, "👋" * 1025, "a" * 4097):  # 4098, 4100 and 4097 bytes, all ≤ 4096 characters
        status, error = call(api, "POST", f"{base}/messages", patient, {"content": content})
        assert (status, error["error"]["code"]) == (400, "ValidationError")
        assert [d["path"] for d in error["error"]["details"]] == ["$.content"]

    status, page = call(api, "GET", f"{base}/messages", patient)
    assert [m["content"] for m in page["messages"]] == [greeting, exactly]


@pytest.mark.parametrize("body, path", [
    ({"content": ""}, "$.content"), ({"content": "   "}, "$.content"), ({}, "$.content"),
    ({"content": 5}, "$.content"), ({"content": "x", "client_id": "bad id!"}, "$.client_id"),
    ({"content": "x", "kind": "meeting"}, "$.kind"),
])
def test_bad_message_bodies_are_400_and_send_nothing(api, appointment, patient, body, path):
    base = f"/appointments/{appointment.appointment_id}"
    status, error = call(api, "POST", f"{base}/messages", patient, body)
    assert status == 400 and [d["path"] for d in error["error"]["details"]] == [path]
    assert call(api, "GET", f"{base}/messages", patient)[1]["messages"] == []


def test_malformed_json_is_400(api, appointment, patient):
    status, error = call(api, "POST", f"/appointments/{appointment.appointment_id}/messages", patient, "{not json")
    assert status == 400 and error["error"]["code"] == "ValidationError"


# -- history ------------------------------------------------------------------------------

def seed(stack, record, user, texts):
    client = stack.client("chime-sdk-messaging")
    for text in texts:
        client.send_channel_message(ChannelArn=record.channel_arn, Content=text, Type="STANDARD",
                                    Persistence="PERSISTENT", Metadata=json.dumps({"kind": "chat"}),
                                    ClientRequestToken=str(uuid.uuid4()), ChimeBearer=user.app_instance_user_arn)


def read_all(api, user, record, limit):
    pages, token = [], None
    while True:
        path = f"/appointments/{record.appointment_id}/messages?limit={limit}"
        if token:
            path += f"&next_token={token}"
        status, page = call(api, "GET", path, user)
        assert status == 200
        pages.append([m["content"] for m in page["messages"]])
        token = page.get("next_token")
        if not token:
            return pages
        assert len(pages) < 50


def test_history_pages_go_back_in_time_oldest_first_inside(api, stack, appointment, doctor, patient):
    texts = [f"message {i}" for i in range(7)]
    seed(stack, appointment, doctor, texts[:4])
    seed(stack, appointment, patient, texts[4:])
    pages = read_all(api, patient, appointment, 3)
    assert pages == [["message 4", "message 5", "message 6"], ["message 1", "message 2", "message 3"], ["message 0"]]
    assert read_all(api, doctor, appointment, 100) == [texts]


def test_pages_larger_than_chime_allows_take_two_chime_calls(api, stack, appointment, doctor):
    texts = [f"note {i:02d}" for i in range(57)]
    seed(stack, appointment, doctor, texts)
    assert read_all(api, doctor, appointment, 100) == [texts]
    assert read_all(api, doctor, appointment, 52) == [texts[5:], texts[:5]]
    assert read_all(api, doctor, appointment, 50) == [texts[7:], texts[:7]]
    assert read_all(api, doctor, appointment, 57) == [texts]


@pytest.mark.parametrize("query, path", [("limit=0", "query.limit"), ("limit=101", "query.limit"),
                                         ("limit=ten", "query.limit"), ("cursor=1", "query.cursor")])
def test_bad_history_queries_are_400(api, appointment, patient, query, path):
    status, error = call(api, "GET", f"/appointments/{appointment.appointment_id}/messages?{query}", patient)
    assert status == 400 and [d["path"] for d in error["error"]["details"]] == [path]


def test_forged_page_token_is_400(api, appointment, patient):
    status, error = call(api, "GET", f"/appointments/{appointment.appointment_id}/messages?next_token=garbage", patient)
    assert (status, error["error"]["code"]) == (400, "ValidationError")


def test_events_written_by_the_services_carry_their_kind(api, stack, settings, appointment, doctor, patient):
    client = stack.client("chime-sdk-messaging")
    admin = settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"]
    data = {"meeting_id": "0d1f3a44-3f5e-4c7b-9a8e-2f0a9c6d1e11", "status": "accepted", "via": "phone"}
    client.send_channel_message(ChannelArn=appointment.channel_arn, Content="Accepted by phone.", Type="STANDARD",
                                Persistence="PERSISTENT", Metadata=json.dumps({"kind": "meeting", "data": data}),
                                ClientRequestToken=str(uuid.uuid4()), ChimeBearer=admin)
    invite = {"meeting_id": data["meeting_id"], "status": "invited", "via": "web"}
    client.send_channel_message(ChannelArn=appointment.channel_arn, Content="Video call", Type="STANDARD",
                                Persistence="PERSISTENT", Metadata=json.dumps({"kind": "meeting", "data": invite}),
                                ClientRequestToken=str(uuid.uuid4()), ChimeBearer=doctor.app_instance_user_arn)
    # Written by another Chime client without the convention: shown as chat.
    client.send_channel_message(ChannelArn=appointment.channel_arn, Content="plain", Type="STANDARD",
                                Persistence="PERSISTENT", ClientRequestToken=str(uuid.uuid4()),
                                ChimeBearer=patient.app_instance_user_arn)
    # Control messages carry no text for people.
    client.send_channel_message(ChannelArn=appointment.channel_arn, Content="typing", Type="CONTROL",
                                Persistence="PERSISTENT", ClientRequestToken=str(uuid.uuid4()),
                                ChimeBearer=patient.app_instance_user_arn)
    status, page = call(api, "GET", f"/appointments/{appointment.appointment_id}/messages", doctor)
    assert status == 200
    assert [(m["kind"], m["sender"]["role"], m["sender"]["user_id"], m.get("data")) for m in page["messages"]] == [
        ("meeting", "patient", patient.user_id, data), ("meeting", "doctor", doctor.user_id, invite),
        ("chat", "patient", patient.user_id, None)]
