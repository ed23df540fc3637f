"""Lists the caller's own appointments by start time: one Query of the caller's index per page."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item
from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Forbidden, ValidationFailed
from telehealth_shared.models.appointments import AppointmentsPage, ListAppointmentsQuery
from telehealth_shared.models.common import format_utc

from .parts import page_tokens

_INDEXES = {"doctor": ("doctor-index", "doctor_id"), "patient": ("patient-index", "patient_id")}
# Greater than every character of an appointment id, so "<time>#~" closes a time inclusively.
_AFTER_ANY_ID = "#~"


def _lower_bound(start: datetime | None) -> str | None:
    if start is None:
        return None
    if start.microsecond:
        # Keys hold whole seconds: round up so an appointment before `from` stays out.
        start = start + timedelta(microseconds=1_000_000 - start.microsecond)
    return format_utc(start)


def _upper_bound(end: datetime | None) -> str | None:
    return None if end is None else format_utc(end) + _AFTER_ANY_ID


@audit_action("appointment.list", resource_type="user", resource_arg=None)
def list_appointments(clients: AwsClients, settings: Settings, principal: Principal,
                      query: ListAppointmentsQuery) -> AppointmentsPage:
    """One Query (Limit = limit + 1, so next_token appears only when more remain).

    DynamoDB applies Limit before the status filter, so with `status` a page can be shorter
    than `limit` (even empty) while next_token still says more may follow. Global secondary
    indexes are eventually consistent: an appointment created a moment ago can take a
    moment to be listed (GET /appointments/{id} reads consistently).
    """
    if principal.role not in _INDEXES:
        raise Forbidden("Your account has no role.")
    index, partition = _INDEXES[principal.role]
    lower, upper = _lower_bound(query.from_), _upper_bound(query.to)
    start_after = None
    if query.next_token:
        start_after = page_tokens.decode(query.next_token, principal.user_id, principal.role)
        if (lower and start_after < lower) or (upper and start_after > upper):
            raise ValidationFailed("next_token does not belong to this query.",
                                   [{"path": "query.next_token", "message": "use it with the same from and to"}])
    names = {"#owner": partition}
    values: dict[str, Any] = {":owner": {"S": principal.user_id}}
    condition = "#owner = :owner"
    if lower or upper:
        # DynamoDB rejects names the expressions do not use.
        names["#key"] = "starts_at_key"
    if lower and upper:
        condition += " AND #key BETWEEN :lower AND :upper"
        values.update({":lower": {"S": lower}, ":upper": {"S": upper}})
    elif lower:
        condition += " AND #key >= :lower"
        values[":lower"] = {"S": lower}
    elif upper:
        condition += " AND #key <= :upper"
        values[":upper"] = {"S": upper}
    params: dict[str, Any] = {
        "TableName": settings.require("appointments_table"),
        "IndexName": index,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": True,
        "Limit": query.limit + 1,
    }
    if query.status:
        params["FilterExpression"] = "#status = :status"
        names["#status"] = "status"
        values[":status"] = {"S": query.status}
    if start_after:
        params["ExclusiveStartKey"] = {
            "appointment_id": {"S": page_tokens.appointment_id_of(start_after)},
            partition: {"S": principal.user_id},
            "starts_at_key": {"S": start_after},
        }
    response = clients.dynamodb.query(**params)
    items = [deserialize_item(item) for item in response.get("Items", [])]
    next_key = None
    if len(items) > query.limit:
        items = items[: query.limit]
        next_key = items[-1]["starts_at_key"]
    elif response.get("LastEvaluatedKey"):
        next_key = response["LastEvaluatedKey"]["starts_at_key"]["S"]
    return AppointmentsPage(
        appointments=[AppointmentRecord.from_item(item).to_api() for item in items],
        next_token=page_tokens.encode(principal.user_id, principal.role, next_key) if next_key else None,
    )
