"""The AuditEvent resource (HIPAA audit controls): who did what to which record, never the data."""
from __future__ import annotations

from typing import Literal

from .common import ApiModel, UtcDatetime, omitted_when_none

Outcome = Literal["allowed", "denied", "failed"]


class AuditEvent(ApiModel):
    event_id: str
    at: UtcDatetime
    actor_id: str
    actor_role: str
    action: str
    resource_type: str
    resource_id: str
    outcome: Outcome
    request_id: str
    source_ip: str | None = omitted_when_none()
