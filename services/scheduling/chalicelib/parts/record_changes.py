"""Helpers shared by moving and cancelling: the changed copy of a record and the item a failed
conditional update hands back."""
from __future__ import annotations

import copy
from typing import Any

from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item
from telehealth_shared.aws_errors import condition_failed_item


def changed_copy(record: AppointmentRecord, **changes: Any) -> AppointmentRecord:
    new = copy.deepcopy(record)
    for name, value in changes.items():
        setattr(new, name, value)
    new.version = record.version + 1
    return new


def current_item(exc: BaseException) -> AppointmentRecord | None:
    """The item as DynamoDB saw it when a condition failed (ReturnValuesOnConditionCheckFailure)."""
    item = condition_failed_item(exc)
    return AppointmentRecord.from_item(deserialize_item(item)) if item else None
