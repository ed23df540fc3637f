"""The audit trail: one append-only AuditEvent per read or change of patient data or security event.

Events go to a DynamoDB table the services may only PutItem into (conditioned on a new
event id, so nothing can overwrite one); admins read them through identity's `GET /audit`.
An event names the actor, the action and the record, never the data itself.
"""
from __future__ import annotations

import contextvars
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .aws_errors import is_aws_failure
from .config import get_settings
from .errors import Unavailable
from . import metrics
from .log import log_event, request_id_var
from .models.audit import AuditEvent, Outcome

logger = logging.getLogger(__name__)

# HIPAA asks for six years of retention (45 CFR 164.316(b)(2)); TTL removes events after seven.
RETENTION = timedelta(days=7 * 366)
SYSTEM_ACTOR = "system"
_ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")


@dataclass(frozen=True)
class RequestInfo:
    """What the edge knows of the request being served, for the events it causes."""

    request_id: str
    source_ip: str | None = None


current_request: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("audit_request", default=None)


def _event_id(at: datetime) -> str:
    # Time-ordered ids (like ULIDs): millisecond prefix, random suffix; the key of every index.
    return f"{int(at.timestamp() * 1000):013d}-{uuid.uuid4().hex}"


def build_event(*, action: str, resource_type: str, resource_id: str, outcome: Outcome,
                actor_id: str, actor_role: str, at: datetime | None = None) -> AuditEvent:
    if not _ACTION.match(action):
        raise ValueError(f"audit action {action!r} is not <resource>.<verb>")
    at = at or datetime.now(timezone.utc)
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)  # the stored form keeps milliseconds
    info = current_request.get()
    request_id = info.request_id if info else (request_id_var.get() or uuid.uuid4().hex)
    return AuditEvent(event_id=_event_id(at), at=at, actor_id=actor_id, actor_role=actor_role, action=action,
                      resource_type=resource_type, resource_id=resource_id, outcome=outcome,
                      request_id=request_id, source_ip=info.source_ip if info else None)


def to_item(event: AuditEvent) -> dict[str, Any]:
    """The DynamoDB item of an event; `at_event` orders every index newest-first, `day` serves
    queries by time alone."""
    at = event.at.astimezone(timezone.utc)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    item = {
        "event_id": {"S": event.event_id},
        "at": {"S": stamp},
        "at_event": {"S": f"{stamp}#{event.event_id}"},
        "day": {"S": at.strftime("%Y-%m-%d")},
        "actor_id": {"S": event.actor_id},
        "actor_role": {"S": event.actor_role},
        "action": {"S": event.action},
        "resource_type": {"S": event.resource_type},
        "resource_id": {"S": event.resource_id},
        "outcome": {"S": event.outcome},
        "request_id": {"S": event.request_id},
        "expires_at": {"N": str(int((at + RETENTION).timestamp()))},
    }
    if event.source_ip:
        item["source_ip"] = {"S": event.source_ip}
    return item


def from_item(item: dict[str, Any]) -> AuditEvent:
    return AuditEvent(event_id=item["event_id"]["S"], at=item["at"]["S"], actor_id=item["actor_id"]["S"],
                      actor_role=item["actor_role"]["S"], action=item["action"]["S"],
                      resource_type=item["resource_type"]["S"], resource_id=item["resource_id"]["S"],
                      outcome=item["outcome"]["S"], request_id=item["request_id"]["S"],
                      source_ip=item.get("source_ip", {}).get("S"))


def write_event(clients: Any, event: AuditEvent, settings: Any = None) -> None:
    """Append one event; a trail that cannot be written fails the request (503) rather than
    let an access go unrecorded."""
    table = (settings or get_settings()).require("audit_table")
    try:
        clients.dynamodb.put_item(TableName=table, Item=to_item(event),
                                  ConditionExpression="attribute_not_exists(event_id)")
    except Exception as exc:
        if not is_aws_failure(exc):
            raise
        log_event(logger, "audit_write_failed", logging.ERROR, action=event.action, error_type=type(exc).__name__)
        raise Unavailable("The audit trail could not be written; nothing was returned.") from exc
    log_event(logger, "audit_event", action=event.action, outcome=event.outcome, event_id=event.event_id)
    metrics.count("AuditEvents")
    business = metrics.ACTION_METRICS.get(event.action)
    if business and event.outcome == "allowed":
        metrics.count(business)


def audit(clients: Any, *, action: str, resource_type: str, resource_id: str, outcome: Outcome = "allowed",
          principal: Any = None, actor_id: str | None = None, actor_role: str | None = None,
          settings: Any = None) -> AuditEvent:
    """Record that `principal` (or `actor_id`/`actor_role`; the system when neither) did `action`
    to `resource_type`/`resource_id` with `outcome`. One PutItem."""
    if principal is not None:
        actor_id, actor_role = principal.user_id, principal.role or "none"
    event = build_event(action=action, resource_type=resource_type, resource_id=resource_id, outcome=outcome,
                        actor_id=actor_id or SYSTEM_ACTOR, actor_role=actor_role or SYSTEM_ACTOR)
    write_event(clients, event, settings)
    return event
