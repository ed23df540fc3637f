"""Identity's entries in the audit trail: one per request, allowed or refused, never an e-mail or name."""
from __future__ import annotations

import logging
from typing import Any

from telehealth_shared.audit import audit
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import DomainError
from telehealth_shared.log import log_event

logger = logging.getLogger("telehealth.identity.audit")

ANONYMOUS = "anonymous"


def allowed(clients: AwsClients, settings: Settings, action: str, resource_type: str, resource_id: str, *,
            principal: Any = None, actor_id: str | None = None, actor_role: str | None = None) -> None:
    """Record a success; if the trail cannot be written the request fails (503), as for every read."""
    audit(clients, action=action, resource_type=resource_type, resource_id=resource_id, outcome="allowed",
          principal=principal, actor_id=actor_id, actor_role=actor_role, settings=settings)


def refused(clients: AwsClients, settings: Settings, action: str, resource_type: str, resource_id: str, *,
            principal: Any = None, actor_id: str | None = None, actor_role: str | None = None,
            outcome: str = "denied") -> None:
    """Record a refusal; a trail that cannot be written must not change the refusal's answer."""
    try:
        audit(clients, action=action, resource_type=resource_type, resource_id=resource_id, outcome=outcome,
              principal=principal, actor_id=(actor_id or ANONYMOUS) if principal is None else None,
              actor_role=(actor_role or "none") if principal is None else None, settings=settings)
    except DomainError as exc:
        log_event(logger, "audit_refusal_not_recorded", logging.ERROR, action=action, error_type=type(exc).__name__)
