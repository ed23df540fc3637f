"""Helpers for the calling service's tests: appointments written the way scheduling writes them,
channel messages read back, and checks of SIP media application responses."""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item, serialize_item

# Real events: from the Amazon Chime SDK developer guide and a public sample's log capture
# (file names say which); copied here so the suite does not depend on anything outside it.
SMA_EVENTS = Path(__file__).resolve().parent / "sma_events"


def make_appointment(stack: Any, doctor: Any, patient: Any, *, status: str = "scheduled") -> AppointmentRecord:
    """An appointment item plus its channel, mirroring scheduling's format: a RESTRICTED
    private channel whose id is the appointment id, both users members and moderators,
    created by the app-instance admin."""
    settings = stack.settings
    appointment_id = uuid.uuid4().hex
    channel_arn = stack.client("chime-sdk-messaging").create_channel(
        AppInstanceArn=settings["TELEHEALTH_APP_INSTANCE_ARN"],
        Name=f"appointment {appointment_id[:8]}",
        Mode="RESTRICTED",
        Privacy="PRIVATE",
        ChannelId=appointment_id,
        ClientRequestToken=appointment_id,
        ChimeBearer=settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"],
        MemberArns=[doctor.app_instance_user_arn, patient.app_instance_user_arn],
        ModeratorArns=[doctor.app_instance_user_arn, patient.app_instance_user_arn],
    )["ChannelArn"]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    record = AppointmentRecord(
        appointment_id=appointment_id, doctor_id=doctor.user_id, doctor_name=doctor.name,
        patient_id=patient.user_id, patient_name=patient.name, starts_at=now + timedelta(days=1),
        duration_minutes=30, reason="Follow-up", status=status, presence_doctor="added",
        presence_patient="added", channel_arn=channel_arn, created_at=now,
    )
    stack.client("dynamodb").put_item(TableName=settings["TELEHEALTH_APPOINTMENTS_TABLE"],
                                      Item=serialize_item(record.to_item()))
    return record


def read_item(stack: Any, appointment_id: str) -> dict[str, Any]:
    item = stack.client("dynamodb").get_item(
        TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": appointment_id}},
        ConsistentRead=True)["Item"]
    return deserialize_item(item)


def read_call_item(stack: Any, transaction_id: str) -> dict[str, Any] | None:
    item = stack.client("dynamodb").get_item(
        TableName=stack.settings["TELEHEALTH_CALLS_TABLE"], Key={"transaction_id": {"S": transaction_id}},
        ConsistentRead=True).get("Item")
    return deserialize_item(item) if item else None


def meeting_events(stack: Any, record: AppointmentRecord, reader: Any) -> list[dict[str, Any]]:
    """The channel's `meeting` events, oldest first, as {status, via, meeting_id, sender, content}."""
    client = stack.client("chime-sdk-messaging")
    messages: list[dict[str, Any]] = []
    token = None
    while True:
        kwargs = {"ChannelArn": record.channel_arn, "ChimeBearer": reader.app_instance_user_arn,
                  "SortOrder": "ASCENDING", "MaxResults": 50}
        if token:
            kwargs["NextToken"] = token
        page = client.list_channel_messages(**kwargs)
        messages += page.get("ChannelMessages", [])
        token = page.get("NextToken")
        if not token:
            break
    events = []
    for message in messages:
        metadata = json.loads(message.get("Metadata") or "{}")
        if metadata.get("kind") != "meeting":
            continue
        events.append({**metadata["data"], "sender": message["Sender"]["Arn"], "content": message["Content"]})
    return events


def attendees(stack: Any, meeting_id: str) -> list[dict[str, Any]]:
    client = stack.client("chime-sdk-meetings")
    found: list[dict[str, Any]] = []
    token = None
    while True:
        kwargs = {"MeetingId": meeting_id}
        if token:
            kwargs["NextToken"] = token
        page = client.list_attendees(**kwargs)
        found += page["Attendees"]
        token = page.get("NextToken")
        if not token:
            return found


def meeting_exists(stack: Any, meeting_id: str) -> bool:
    client = stack.client("chime-sdk-meetings")
    try:
        client.get_meeting(MeetingId=meeting_id)
        return True
    except client.exceptions.NotFoundException:
        return False


def load_sma_event(name: str) -> dict[str, Any]:
    return json.loads((SMA_EVENTS / name).read_text())


# The SIP media application and account of the deployment in tests without a stack (the
# handler refuses events of any other).
TEST_SMA_ID = "5b1c8a0e-0d8e-4f0a-9a57-3f1b2c4d5e6f"
TEST_ACCOUNT = "123456789012"


def as_deployments(event: dict[str, Any], sip_media_application_id: str = TEST_SMA_ID,
                   account: str = TEST_ACCOUNT) -> dict[str, Any]:
    """A captured event re-addressed to the deployment's SIP media application and account."""
    details = event.setdefault("CallDetails", {})
    details.pop("SipApplicationId", None)
    details["SipMediaApplicationId"] = sip_media_application_id
    details["AwsAccountId"] = account
    return event


def sma_event(event_type: str, *, transaction_id: str | None = None, action_data: Mapping[str, Any] | None = None,
              leg_a_status: str | None = "Connected", legacy_id_field: bool = False,
              extra_participants: list[dict[str, Any]] | None = None, sip_media_application_id: str = TEST_SMA_ID,
              account: str = TEST_ACCOUNT) -> dict[str, Any]:
    """An event shaped like the captured ones (sma-events/), for types no capture covers,
    addressed to the deployment (TEST_SMA_ID unless told)."""
    participant = {"CallId": "call-id-1", "ParticipantTag": "LEG-A", "To": "+15555550123", "From": "+12025550100",
                   "Direction": "Outbound", "StartTimeInMilliseconds": "1700000000000"}
    if leg_a_status is not None:
        participant["Status"] = leg_a_status
    details = {"TransactionId": transaction_id or str(uuid.uuid4()), "AwsAccountId": account,
               "AwsRegion": "us-east-1", "Participants": [participant, *(extra_participants or [])]}
    details["SipApplicationId" if legacy_id_field else "SipMediaApplicationId"] = sip_media_application_id
    event: dict[str, Any] = {"SchemaVersion": "1.0", "Sequence": 2, "InvocationEventType": event_type,
                             "CallDetails": details}
    if action_data is not None:
        event["ActionData"] = dict(action_data)
    return event


def assert_valid_sma_response(response: Any, leg_a_call_id: str | None = None) -> list[dict[str, Any]]:
    """The SMA response schema (chime-wire.md): returns the actions for further checks."""
    assert isinstance(response, dict)
    json.dumps(response)
    assert response["SchemaVersion"] == "1.0"
    actions = response["Actions"]
    assert isinstance(actions, list) and len(actions) <= 10
    for action in actions:
        assert isinstance(action["Type"], str) and isinstance(action["Parameters"], dict)
        if action["Type"] == "Hangup":
            assert isinstance(action["Parameters"]["SipResponseCode"], str)
        if leg_a_call_id is not None and "CallId" in action["Parameters"]:
            assert action["Parameters"]["CallId"] == leg_a_call_id
    return actions
