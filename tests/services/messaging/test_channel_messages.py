"""Mapping between Chime channel messages and the API's Message (no AWS involved)."""
import json
from datetime import datetime, timezone

import pytest

from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.chime_channel import decode_metadata, encode_metadata

from chalicelib.parts.channel_messages import to_api_message
from messaging_fixtures import ADMIN_ARN as ADMIN, APP_INSTANCE_ARN as APP, offline_settings as settings



def record():
    now = datetime(2026, 12, 1, 15, tzinfo=timezone.utc)
    return AppointmentRecord(appointment_id="a1", doctor_id="doc", doctor_name="Dr Ada", patient_id="pat",
                             patient_name="Bob", starts_at=now, duration_minutes=30, reason=None,
                             status="scheduled", presence_doctor="added", presence_patient="added",
                             channel_arn=f"{APP}/channel/a1", created_at=now)


def summary(sender_id, metadata=None, **extra):
    value = {"MessageId": "m1", "Content": "hello", "Type": "STANDARD", "CreatedTimestamp": 1796137200.5,
             "Sender": {"Arn": f"{APP}/user/{sender_id}", "Name": "Chime Name"}}
    if metadata is not None:
        value["Metadata"] = metadata if isinstance(metadata, str) else json.dumps(metadata)
    value.update(extra)
    return value


def test_metadata_round_trip_leaves_out_absent_fields():
    assert json.loads(encode_metadata("chat")) == {"kind": "chat"}
    raw = encode_metadata("chat", "tab-1")
    assert json.loads(raw) == {"kind": "chat", "client_id": "tab-1"}
    assert decode_metadata(raw).client_id == "tab-1"


@pytest.mark.parametrize("raw", [None, "", "not json", "{}", '{"kind": "shout"}', "[1]"])
def test_foreign_metadata_reads_as_chat(raw):
    metadata = decode_metadata(raw)
    assert metadata.kind == "chat" and metadata.client_id is None and metadata.data is None


def test_participant_message_maps_to_api_message():
    message = to_api_message(summary("pat", {"kind": "chat", "client_id": "tab-7"}), record(), settings())
    assert message.model_dump(mode="json") == {
        "message_id": "m1", "kind": "chat", "content": "hello",
        "sender": {"user_id": "pat", "name": "Chime Name", "role": "patient"},
        "created_at": "2026-12-01T15:00:00Z", "client_id": "tab-7"}


def test_meeting_event_keeps_its_data():
    data = {"meeting_id": "m-9", "status": "invited", "via": "web"}
    message = to_api_message(summary("doc", {"kind": "meeting", "data": data}), record(), settings())
    assert message.kind == "meeting" and message.data == data and message.sender.role == "doctor"


@pytest.mark.parametrize("metadata, role, user_id, name", [
    ({"kind": "meeting", "data": {"meeting_id": "m", "status": "accepted", "via": "phone"}}, "patient", "pat", "Bob"),
    ({"kind": "meeting", "data": {"meeting_id": "m", "status": "ended"}}, "doctor", "doc", "Dr Ada"),
    ({"kind": "presence", "data": {"role": "patient", "presence": "checked_in"}}, "patient", "pat", "Bob"),
])
def test_service_written_events_are_attributed_to_the_participant_they_are_about(metadata, role, user_id, name):
    value = summary("x", metadata)
    value["Sender"] = {"Arn": ADMIN, "Name": "telehealth"}
    message = to_api_message(value, record(), settings())
    assert message.sender.model_dump() == {"user_id": user_id, "name": name, "role": role}


@pytest.mark.parametrize("value", [
    summary("doc", Type="CONTROL"),
    summary("doc", Redacted=True),
    summary("doc", Status={"Value": "PENDING"}),
    summary("doc", Status={"Value": "DENIED"}),
    summary("stranger", {"kind": "chat"}),
    {**summary("x", {"kind": "chat"}), "Sender": {"Arn": ADMIN, "Name": "telehealth"}},
])
def test_messages_users_never_see_are_skipped(value):
    assert to_api_message(value, record(), settings()) is None


def test_sender_without_chime_name_gets_the_appointment_name():
    value = summary("doc")
    value["Sender"] = {"Arn": f"{APP}/user/doc"}
    assert to_api_message(value, record(), settings()).sender.name == "Dr Ada"
