"""Writes of the appointments table that scheduling owns: the first write of an appointment and
the conditional updates that move or cancel it (each guarded by the version it read)."""
from __future__ import annotations

from typing import Any

from telehealth_shared.appointment_records import AppointmentRecord, serialize_item
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings

# Attributes of the item beyond the shared record format (kept in AppointmentRecord.extra).
EXECUTION_ARN = "reminder_execution_arn"
FINGERPRINT = "request_fingerprint"
REMINDERS_SENT = "reminders_sent"
# "<version>:<lead>:<role>:<reason>" for a claimed reminder that sent nothing (e.g. opted_out).
REMINDERS_SKIPPED = "reminders_skipped"


def put_new(clients: AwsClients, settings: Settings, record: AppointmentRecord) -> None:
    """PutItem that fails with ConditionalCheckFailedException when the id is taken."""
    clients.dynamodb.put_item(
        TableName=settings.require("appointments_table"),
        Item=serialize_item(record.to_item()),
        ConditionExpression="attribute_not_exists(appointment_id)",
    )


def update_scheduled(clients: AwsClients, settings: Settings, appointment_id: str, expected_version: int,
                     set_values: dict[str, Any], remove: tuple[str, ...] = (),
                     statuses: tuple[str, ...] = ("scheduled",)) -> dict[str, Any]:
    """Conditional UpdateItem of an appointment still in one of `statuses` (by default
    scheduled) at `expected_version`: no lost update, and nothing closed comes back.

    Sets `set_values` (plain Python values) and removes `remove`; returns the new item in
    DynamoDB form. Raises ConditionalCheckFailedException (with the current item attached,
    see ReturnValuesOnConditionCheckFailure) when it was cancelled or changed meanwhile.
    """
    names: dict[str, str] = {"#status": "status", "#version": "version"}
    values: dict[str, Any] = {":expected": {"N": str(expected_version)}}
    for index, status in enumerate(statuses):
        values[f":s{index}"] = {"S": status}
    status_check = "#status IN (" + ", ".join(f":s{index}" for index in range(len(statuses))) + ")"
    assignments = []
    serialized = serialize_item(set_values)
    for index, (attribute, value) in enumerate(sorted(serialized.items())):
        names[f"#a{index}"] = attribute
        values[f":v{index}"] = value
        assignments.append(f"#a{index} = :v{index}")
    expression = "SET " + ", ".join(assignments)
    if remove:
        removals = []
        for index, attribute in enumerate(remove):
            names[f"#r{index}"] = attribute
            removals.append(f"#r{index}")
        expression += " REMOVE " + ", ".join(removals)
    response = clients.dynamodb.update_item(
        TableName=settings.require("appointments_table"),
        Key={"appointment_id": {"S": appointment_id}},
        UpdateExpression=expression,
        ConditionExpression=f"{status_check} AND #version = :expected",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ReturnValues="ALL_NEW",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    return response["Attributes"]
