"""A booking retried with its Idempotency-Key after an attempt that created the channel but
crashed before writing the appointment (its claim's lease lapsed, as a dead Lambda's does): the
service finds the channel, sees it describes another request, replaces it and books
(DescribeChannel, DeleteChannel, CreateChannel)."""
from __future__ import annotations

import json
import secrets
from typing import Any


def test_a_retry_replaces_the_channel_a_crashed_attempt_left(stack: Any, api: Any, people: Any,
                                                              appointments: Any) -> None:
    key = f"crash-{secrets.token_hex(6)}"
    headers = {"Idempotency-Key": key}
    body = {"patient_id": people.patient.user_id, "starts_at": appointments.future_time(24 * 60)}
    first = api.ok("scheduling", "POST", "/appointments", people.doctor, json=body, headers=headers, expect=201)
    settings = stack.settings
    # The crash: the channel stays, the appointment record is gone, and the claim the attempt
    # held was never released; its 90 s lease has lapsed.
    dynamodb = stack.client("dynamodb")
    table = settings["TELEHEALTH_APPOINTMENTS_TABLE"]
    dynamodb.delete_item(TableName=table, Key={"appointment_id": {"S": first["appointment_id"]}})
    dynamodb.update_item(TableName=table, Key={"appointment_id": {"S": f"idempotency#{first['appointment_id']}"}},
                         UpdateExpression="SET claimed_at = :long_ago, claim_state = :pending",
                         ConditionExpression="attribute_exists(claim_token)",
                         ExpressionAttributeValues={":long_ago": {"N": "0"}, ":pending": {"S": "pending"}})

    retried_body = {**body, "starts_at": appointments.future_time(2 * 24 * 60)}
    retried = api.ok("scheduling", "POST", "/appointments", people.doctor, json=retried_body, headers=headers,
                     expect=201)
    assert retried["appointment_id"] == first["appointment_id"]
    assert retried["starts_at"] == retried_body["starts_at"]
    channel = stack.client("chime-sdk-messaging").describe_channel(
        ChannelArn=f"{settings['TELEHEALTH_APP_INSTANCE_ARN']}/channel/{first['appointment_id']}",
        ChimeBearer=settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"])["Channel"]
    assert json.loads(channel["Metadata"])["starts_at"] == retried_body["starts_at"]
    assert appointments.read(retried, people.doctor)["starts_at"] == retried_body["starts_at"]
