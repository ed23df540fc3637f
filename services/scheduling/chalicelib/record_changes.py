"""Helpers shared by moving and cancelling: the changed copy of a record and the item a failed
conditional update hands back."""
from __future__ import annotations

import copy
from typing import Any

from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item


def changed_copy(record: AppointmentRecord, **changes: Any) -> AppointmentRecord:
    new = copy.deepcopy(record)
    for name, value in changes.items():
        setattr(new, name, value)
    new.version = record.version + 1
    return new


def current_item(exc: BaseException) -> AppointmentRecord | None:
    """The item as DynamoDB saw it when a condition failed (ReturnValuesOnConditionCheckFailure)."""
    response: Any = getattr(exc, "response", None) or {}
    item = response.get("Item")
    return AppointmentRecord.from_item(deserialize_item(item)) if item else None
