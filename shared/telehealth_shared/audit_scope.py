"""One audit event for a block of work: `allowed` when it completes, `denied` when it is refused
(not a participant, wrong role), `failed` when it raises anything else; used by every action
module that reads or changes patient data, so each request writes exactly one event. Where
the outcome is decided in the code rather than by an exception (identity's sign-in, sign-up,
invitations), `allowed` and `refused` record it directly with the same rules."""
from __future__ import annotations

import contextlib
import functools
import inspect
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, TypeVar, Union

from . import audit as trail
from .errors import DomainError, Forbidden, NotFound
from .log import log_event

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
# The actor of a refusal nobody could be identified for (a failed sign-in, a bad refresh token).
ANONYMOUS = "anonymous"
# Ids come from URLs: an event keeps a bounded prefix of whatever was asked for.
_MAX_RESOURCE_ID = 128


@dataclass
class AuditScope:
    """What the event will name; `resource_id` may be set inside the block once it is known
    (a new appointment's id)."""

    action: str
    resource_type: str
    resource_id: str


@contextlib.contextmanager
def audited(clients: Any, settings: Any, *, action: str, resource_type: str, resource_id: str,
            principal: Any = None, actor_id: str | None = None, actor_role: str | None = None,
            change: bool = False) -> Iterator[AuditScope]:
    """Record the block's outcome as one event (one PutItem).

    A read whose event cannot be written is not answered (503, from the audit module). A
    change (`change=True`) has already happened when its event is written: it is answered,
    and the failed write is logged (`audit_write_failed`, the trail's alarm) rather than
    reported as a failure that did not happen. An event for a failure never hides it: if
    that write fails too, the original error is what the caller sees.
    """
    scope = AuditScope(action, resource_type, resource_id)
    try:
        yield scope
    except Exception as exc:
        outcome = "denied" if isinstance(exc, (NotFound, Forbidden)) else "failed"
        try:
            _write(clients, settings, scope, outcome, principal, actor_id, actor_role)
        except Exception as audit_exc:
            log_event(logger, "audit_outcome_not_recorded", logging.ERROR, action=scope.action,
                      error_type=type(audit_exc).__name__)
        raise
    try:
        _write(clients, settings, scope, "allowed", principal, actor_id, actor_role)
    except DomainError:
        if not change:
            raise
        log_event(logger, "audit_change_not_recorded", logging.ERROR, action=scope.action)


def _write(clients: Any, settings: Any, scope: AuditScope, outcome: str, principal: Any, actor_id: str | None,
           actor_role: str | None) -> None:
    trail.audit(clients, action=scope.action, resource_type=scope.resource_type, resource_id=scope.resource_id,
                outcome=outcome, principal=principal, actor_id=actor_id, actor_role=actor_role, settings=settings)


def audit_action(action: Union[str, Callable[[Mapping[str, Any]], str]], *, resource_type: str = "appointment",
                 resource_arg: str | None = "appointment_id", change: bool = False) -> Callable[[F], F]:
    """Decorate an action function `(clients, settings, principal, <resource_arg>, ...)` so that
    each call records one event (see `audited`). `action` may be computed from the call's
    arguments; without `resource_arg` the resource is the calling user (`resource_type` "user")."""

    def decorate(function: F) -> F:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            arguments = signature.bind_partial(*args, **kwargs).arguments
            principal = arguments.get("principal")
            resource = arguments.get(resource_arg) if resource_arg else getattr(principal, "user_id", None)
            name = action(arguments) if callable(action) else action
            with audited(arguments["clients"], arguments["settings"], action=name, resource_type=resource_type,
                         resource_id=str(resource or "")[:_MAX_RESOURCE_ID] or "-", principal=principal,
                         change=change):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def allowed(clients: Any, settings: Any, action: str, resource_type: str, resource_id: str, *,
            principal: Any = None, actor_id: str | None = None, actor_role: str | None = None) -> None:
    """Record a success; if the trail cannot be written the request fails (503), as for every read."""
    trail.audit(clients, action=action, resource_type=resource_type, resource_id=resource_id, outcome="allowed",
                principal=principal, actor_id=actor_id, actor_role=actor_role, settings=settings)


def refused(clients: Any, settings: Any, action: str, resource_type: str, resource_id: str, *,
            principal: Any = None, actor_id: str | None = None, actor_role: str | None = None,
            outcome: str = "denied") -> None:
    """Record a refusal (by someone anonymous unless named); a trail that cannot be written must
    not change the refusal's answer, so the failed write is logged instead."""
    try:
        trail.audit(clients, action=action, resource_type=resource_type, resource_id=resource_id,
                    outcome=outcome, principal=principal, actor_id=(actor_id or ANONYMOUS) if principal is None else None,
                    actor_role=(actor_role or "none") if principal is None else None, settings=settings)
    except DomainError as exc:
        log_event(logger, "audit_refusal_not_recorded", logging.ERROR, action=action, error_type=type(exc).__name__)
