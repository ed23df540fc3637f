"""GET /audit: admins read the audit trail by actor, by resource or by time, newest first."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from telehealth_shared import audit_scope
from telehealth_shared.audit import from_item
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import ValidationFailed
from telehealth_shared.models.identity import AuditPage, AuditQuery

# A query by time alone reads one day-index partition per day; this bounds the days one
# request walks (a quiet stretch then returns a short page with a next_token).
_MAX_DAYS_PER_REQUEST = 31
_MAX_QUERIES_PER_REQUEST = 40
# The trail's retention (telehealth_shared.audit): older days hold nothing.
_OLDEST = timedelta(days=7 * 366)


def _stamp(value: datetime) -> str:
    at = value.astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _bad_token() -> ValidationFailed:
    return ValidationFailed("next_token is not valid.", [{"path": "query.next_token", "message": "not a token from this API"}])


def _encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
        if not isinstance(state, dict):
            raise ValueError
        key = state.get("k")
        if key is not None and not (isinstance(key, dict) and all(isinstance(v, str) for v in key.values())):
            raise ValueError
        if state.get("d") is not None:
            datetime.strptime(state["d"], "%Y-%m-%d")
        return state
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise _bad_token() from None


def query_audit(clients: AwsClients, settings: Settings, principal: Principal, query: AuditQuery) -> AuditPage:
    if query.from_ and query.to and query.from_ > query.to:
        raise ValidationFailed("from must not be after to.", [{"path": "query.from", "message": "after to"}])
    now = datetime.now(timezone.utc)
    upper = min(query.to or now, now)
    lower = query.from_ or (now - _OLDEST)
    state = _decode(query.next_token) if query.next_token else {}
    if state.get("k") is not None and set(state["k"]) != {"event_id", "at_event", _index(query)[1]}:
        raise _bad_token()
    # A window that ends before it starts (or lies in the future) holds nothing.
    page = _read(clients, settings, query, lower, upper, state) if lower <= upper else AuditPage(events=[])
    audit_scope.allowed(clients, settings, "audit.query", "audit", query.actor_id or query.resource_id or "all",
                        principal=principal)
    return page


def _read(clients: AwsClients, settings: Settings, query: AuditQuery, lower: datetime, upper: datetime,
          state: dict[str, Any]) -> AuditPage:
    by_day = not query.actor_id and not query.resource_id
    day = datetime.strptime(state["d"], "%Y-%m-%d").date() if state.get("d") else upper.date()
    start_key = {k: {"S": v} for k, v in state["k"].items()} if state.get("k") else None
    events = []
    days_read = queries = 0
    while len(events) < query.limit and queries < _MAX_QUERIES_PER_REQUEST:
        if by_day and (day < lower.date() or days_read >= _MAX_DAYS_PER_REQUEST):
            break
        params = _query_params(settings, query, lower, upper, day if by_day else None, query.limit - len(events))
        if start_key:
            params["ExclusiveStartKey"] = start_key
        result = clients.dynamodb.query(**params)
        queries += 1
        events += [from_item(item) for item in result.get("Items", [])]
        start_key = result.get("LastEvaluatedKey")
        if start_key:
            continue
        if not by_day:
            return AuditPage(events=events)
        day -= timedelta(days=1)
        days_read += 1
    if by_day and day < lower.date() and not start_key:
        return AuditPage(events=events)
    cursor: dict[str, Any] = {"k": {k: v["S"] for k, v in start_key.items()} if start_key else None}
    if by_day:
        cursor["d"] = day.isoformat()
    return AuditPage(events=events, next_token=_encode(cursor))


def _index(query: AuditQuery) -> tuple[str, str]:
    """(index, its hash key): by actor, else by resource, else by day."""
    if query.actor_id:
        return "actor-index", "actor_id"
    if query.resource_id:
        return "resource-index", "resource_id"
    return "day-index", "day"


def _query_params(settings: Settings, query: AuditQuery, lower: datetime, upper: datetime, day: Any,
                  limit: int) -> dict[str, Any]:
    # at_event is "<at>#<event_id>": every event between the two stamps sorts between these.
    values: dict[str, Any] = {":lo": {"S": _stamp(lower)}, ":hi": {"S": _stamp(upper) + "#~"}}
    index, hash_name = _index(query)
    values[":h"] = {"S": query.actor_id or query.resource_id or day.isoformat()}
    params: dict[str, Any] = {
        "TableName": settings.require("audit_table"), "IndexName": index, "ScanIndexForward": False,
        "KeyConditionExpression": f"{hash_name} = :h AND at_event BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": values, "Limit": limit}
    if query.actor_id and query.resource_id:
        params["FilterExpression"] = "resource_id = :r"
        values[":r"] = {"S": query.resource_id}
    return params
