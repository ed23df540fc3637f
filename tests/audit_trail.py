"""Reads the local stack's audit table as an operator would, for the service suites' audit tests."""
from __future__ import annotations

import json
from typing import Any, Iterable


def audit_items(stack: Any) -> list[dict[str, Any]]:
    """Every item of the audit table (a consistent scan)."""
    client = stack.client("dynamodb")
    items: list[dict[str, Any]] = []
    start = None
    while True:
        params: dict[str, Any] = {"TableName": stack.settings["TELEHEALTH_AUDIT_TABLE"], "ConsistentRead": True}
        if start:
            params["ExclusiveStartKey"] = start
        page = client.scan(**params)
        items += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def events_for(stack: Any, resource_id: str) -> list[dict[str, str]]:
    """The events about one resource, oldest first, as plain strings."""
    found = [{k: v.get("S") for k, v in item.items()} for item in audit_items(stack)
             if item["resource_id"]["S"] == resource_id]
    return sorted(found, key=lambda e: e["at_event"])


def summary(events: Iterable[dict[str, str]]) -> list[tuple[str, str, str, str]]:
    """(actor_id, actor_role, action, outcome) of each event."""
    return [(e["actor_id"], e["actor_role"], e["action"], e["outcome"]) for e in events]


def assert_no_personal_data(stack: Any, secrets: Iterable[str]) -> None:
    """No event anywhere in the table holds any of `secrets` (names, numbers, e-mails, text)."""
    everything = json.dumps(audit_items(stack), ensure_ascii=False)
    for secret in secrets:
        assert secret and secret not in everything, secret
