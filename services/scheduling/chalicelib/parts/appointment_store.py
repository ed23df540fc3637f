"""Writes of the appointments table that scheduling owns: the first write of an appointment and
the conditional updates that move or cancel it (each guarded by the version it read)."""
from __future__ import annotations

from typing import Any

from telehealth_shared.appointment_item import scheduling_create, scheduling_write
from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.item_update import Update, attr

# Attributes of the item beyond the shared record format (kept in AppointmentRecord.extra).
EXECUTION_ARN = "reminder_execution_arn"
FINGERPRINT = "request_fingerprint"
REMINDERS_SENT = "reminders_sent"
# "<version>:<lead>:<role>:<reason>" for a claimed reminder that sent nothing (e.g. opted_out).
REMINDERS_SKIPPED = "reminders_skipped"


def put_new(clients: AwsClients, settings: Settings, record: AppointmentRecord) -> None:
    """PutItem that fails with ConditionalCheckFailedException when the id is taken."""
    scheduling_create(clients, settings, record.to_item())


def update_scheduled(clients: AwsClients, settings: Settings, appointment_id: str, expected_version: int,
                     set_values: dict[str, Any], remove: tuple[str, ...] = (),
                     statuses: tuple[str, ...] = ("scheduled",), also: Any = None) -> dict[str, Any]:
    """Conditional UpdateItem of an appointment still in one of `statuses` (by default
    scheduled) at `expected_version`: no lost update, and nothing closed comes back.

    Sets `set_values` (plain Python values) and removes `remove`, on condition `also` too
    (built with telehealth_shared.item_update.attr) when given; returns the new item in
    DynamoDB form. Raises ConditionalCheckFailedException (with the current item attached,
    see ReturnValuesOnConditionCheckFailure) when it was cancelled or changed meanwhile.
    """
    attributes = scheduling_write(
        clients, settings, appointment_id,
        Update(set={k: v for k, v in sorted(set_values.items()) if v is not None}, remove=remove),
        condition=_and(attr("status").is_in(list(statuses)) & attr("version").eq(expected_version), also),
        return_new=True, old_on_failure=True)
    assert attributes is not None  # nosec B101: ReturnValues ALL_NEW always answers the item
    return attributes


def _and(condition: Any, also: Any) -> Any:
    return condition if also is None else condition & also
