"""Registers a user in the Cognito user pool (unconfirmed until /confirm): patients by themselves,
doctors and admins only with an admin's invitation for that e-mail and role."""
from __future__ import annotations

import logging
import time

from telehealth_shared import audit_scope
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_aws_failure
from telehealth_shared.config import Settings
from telehealth_shared.errors import DomainError, Unavailable
from telehealth_shared.log import log_event
from telehealth_shared.models.identity import SignupRequest, SignupResponse

from .parts import invitation_store as store
from .parts.cognito_errors import translate
from .parts.invitation_codes import invalid_invitation, matches, split_code
from .parts.user_attributes import ROLE_ATTRIBUTE

logger = logging.getLogger("telehealth.identity.sign_up")


def _claim_invitation(clients: AwsClients, settings: Settings, request: SignupRequest) -> str:
    """Use the invitation once (a conditional write: of two sign-ups with one code, one wins)."""
    invitation_id, secret = split_code(request.invitation_code or "")
    record = store.get_invitation(clients, settings, invitation_id)
    now = time.time()
    if (record is None or not matches(secret, record.code_hash) or record.email != request.email
            or record.role != request.role or record.status_at(now) != "pending"):
        raise invalid_invitation()
    if not store.claim(clients, settings, record, now):
        raise invalid_invitation()
    return invitation_id


def sign_up(clients: AwsClients, settings: Settings, request: SignupRequest) -> SignupResponse:
    invited = request.role != "patient" or request.invitation_code is not None
    try:
        created = _sign_up(clients, settings, request)
    except DomainError:
        if invited:
            audit_scope.refused(clients, settings, "role.grant", "invitation", _invitation_id_of(request))
        else:
            audit_scope.refused(clients, settings, "auth.sign_up", "route", "/signup")
        raise
    # A self sign-up makes a patient; an invited one is the role grant.
    audit_scope.allowed(clients, settings, "role.grant" if invited else "auth.sign_up", "user", created.user_id,
                        actor_id=created.user_id, actor_role=created.role)
    return created


def _invitation_id_of(request: SignupRequest) -> str:
    invitation_id, dot, _secret = (request.invitation_code or "").partition(".")
    return invitation_id if dot and len(invitation_id) == 32 else "none"


def _sign_up(clients: AwsClients, settings: Settings, request: SignupRequest) -> SignupResponse:
    invitation_id = None
    if request.role != "patient" or request.invitation_code is not None:
        # Invitations are for doctors and admins; a patient's sign-up carries none.
        if request.role == "patient":
            raise invalid_invitation()
        invitation_id = _claim_invitation(clients, settings, request)
    try:
        # The app client writes no attributes the services trust; the Username fills `email`.
        result = clients.cognito.sign_up(ClientId=settings.require("user_pool_client_id"),
                                         Username=request.email, Password=request.password)
    except Exception as exc:
        if invitation_id:
            store.release(clients, settings, invitation_id)
        if is_aws_failure(exc):
            raise translate(exc, "sign_up") from exc
        raise
    user_id = result["UserSub"]
    try:
        clients.cognito.admin_update_user_attributes(
            UserPoolId=settings.require("user_pool_id"), Username=user_id,
            UserAttributes=[{"Name": "name", "Value": request.name},
                            {"Name": "phone_number", "Value": request.phone_number},
                            {"Name": ROLE_ATTRIBUTE, "Value": request.role}])
    except Exception as exc:
        _undo(clients, settings, user_id, invitation_id)
        raise Unavailable() from exc
    if invitation_id:
        try:
            store.record_user(clients, settings, invitation_id, user_id)
        except Exception as exc:  # the role is set and the code is spent: only the link is missing
            log_event(logger, "invitation_link_failed", logging.WARNING, invitation_id=invitation_id,
                      error_type=type(exc).__name__)
        log_event(logger, "role_granted", user_id=user_id, role=request.role, invitation_id=invitation_id)
    return SignupResponse(user_id=user_id, email=request.email, role=request.role,
                          confirmed=bool(result.get("UserConfirmed", False)))


def _undo(clients: AwsClients, settings: Settings, user_id: str, invitation_id: str | None) -> None:
    """Nothing half-done: a user without its attributes is deleted, its invitation usable again."""
    try:
        clients.cognito.admin_delete_user(UserPoolId=settings.require("user_pool_id"), Username=user_id)
    except Exception as exc:
        log_event(logger, "sign_up_undo_failed", logging.ERROR, user_id=user_id, error_type=type(exc).__name__)
        return
    if invitation_id:
        store.release(clients, settings, invitation_id)
