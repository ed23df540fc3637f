"""Admins invite doctors and admins: create (the code is e-mailed), list and revoke invitations."""
from __future__ import annotations

import logging
import time
import uuid

from telehealth_shared import audit_scope
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, NotFound, Unavailable
from telehealth_shared.log import log_event
from telehealth_shared.models.common import PageQuery
from telehealth_shared.models.identity import (Invitation, InvitationCreated, InvitationRequest, InvitationRevoked,
                                               InvitationsPage)

from .parts import invitation_store as store
from telehealth_shared.email import send_email
from .parts.invitation_codes import new_code

logger = logging.getLogger("telehealth.identity.invitations")

SUBJECT = "Your invitation to the telehealth clinic"
BODY = ("You have been invited to join the clinic as {article} {role}.\n"
        "Sign up with this e-mail address, the role {role} and this invitation code: {code}\n"
        "The code can be used once and expires on {expires} (UTC).\n")


def create_invitation(clients: AwsClients, settings: Settings, principal: Principal,
                      request: InvitationRequest) -> InvitationCreated:
    invitation_id = uuid.uuid4().hex
    code, code_hash = new_code(invitation_id)
    record = store.put_invitation(clients, settings, invitation_id=invitation_id, email=request.email,
                                  role=request.role, code_hash=code_hash, created_by=principal.user_id)
    body = BODY.format(article="an" if request.role == "admin" else "a", role=request.role, code=code,
                       expires=record.expires.strftime("%Y-%m-%d %H:%M"))
    try:
        send_email(clients, settings, to=request.email, subject=SUBJECT, body=body)
    except Exception as exc:
        # An invitation nobody received must not stay usable: take it back.
        store.delete_invitation(clients, settings, invitation_id)
        log_event(logger, "invitation_email_failed", logging.WARNING, invitation_id=invitation_id,
                  error_type=type(exc).__name__)
        raise Unavailable("The invitation e-mail could not be sent; nothing was created.") from exc
    log_event(logger, "invitation_created", invitation_id=invitation_id, role=request.role)
    audit_scope.allowed(clients, settings, "invitation.create", "invitation", invitation_id, principal=principal)
    return InvitationCreated(invitation_id=invitation_id, email=request.email, role=request.role,
                             expires_at=record.expires)


def list_invitations(clients: AwsClients, settings: Settings, principal: Principal, query: PageQuery) -> InvitationsPage:
    records, next_token = store.list_page(clients, settings, query.limit, query.next_token)
    audit_scope.allowed(clients, settings, "invitation.list", "invitation", "all", principal=principal)
    now = time.time()
    return InvitationsPage(
        invitations=[Invitation(invitation_id=r.invitation_id, email=r.email, role=r.role,
                                status=r.status_at(now), expires_at=r.expires) for r in records],
        next_token=next_token)


def revoke_invitation(clients: AwsClients, settings: Settings, principal: Principal,
                      invitation_id: str) -> InvitationRevoked:
    previous = store.revoke(clients, settings, invitation_id) if _plausible(invitation_id) else None
    if previous in (None, "used"):
        audit_scope.refused(clients, settings, "invitation.revoke", "invitation",
                            invitation_id if _plausible(invitation_id) else "none", principal=principal)
        if previous is None:
            raise NotFound("No such invitation.")
        raise Conflict("The invitation has already been used.")
    audit_scope.allowed(clients, settings, "invitation.revoke", "invitation", invitation_id, principal=principal)
    return InvitationRevoked(invitation_id=invitation_id)


def _plausible(invitation_id: str) -> bool:
    return len(invitation_id) == 32 and all(c in "0123456789abcdef" for c in invitation_id)
