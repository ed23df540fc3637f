"""Signs a user in with e-mail and password, repairing provisioning the trigger did not finish."""
from __future__ import annotations

import logging
from typing import Any

from telehealth_shared import audit_scope
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_aws_failure
from telehealth_shared.config import Settings
from telehealth_shared.errors import DomainError, Forbidden
from telehealth_shared.log import log_event
from telehealth_shared.models.identity import SigninRequest, TokensResponse

from .parts.cognito_errors import translate
from .parts.provision_user import provision
from .parts.user_attributes import ROLE_ATTRIBUTE, ROLES

logger = logging.getLogger("telehealth.identity.sign_in")


def _claims(id_token: str) -> dict[str, Any]:
    import jwt

    # The token comes straight from Cognito over TLS in this call; only its claims are read.
    return jwt.decode(id_token, options={"verify_signature": False})


def _initiate(clients: AwsClients, settings: Settings, flow: str, parameters: dict[str, str], operation: str) -> dict[str, Any]:
    try:
        result = clients.cognito.initiate_auth(
            ClientId=settings.require("user_pool_client_id"), AuthFlow=flow, AuthParameters=parameters)
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc, operation) from exc
        raise
    tokens = result.get("AuthenticationResult")
    if not tokens:
        # A challenge (e.g. NEW_PASSWORD_REQUIRED) is not supported by this API.
        raise Forbidden("This account needs an action that this API does not support.")
    return tokens


def signed_in_actor(id_token: str) -> tuple[str, str]:
    """(user id, role) of the user a fresh ID token is for, for the audit trail."""
    claims = _claims(id_token)
    groups = claims.get("cognito:groups") or []
    return str(claims["sub"]), next((role for role in ROLES if role in groups), "none")


def sign_in(clients: AwsClients, settings: Settings, request: SigninRequest) -> TokensResponse:
    try:
        tokens = _sign_in(clients, settings, request)
    except DomainError:
        audit_scope.refused(clients, settings, "auth.sign_in", "route", "/signin")
        raise
    user_id, role = signed_in_actor(tokens.id_token)
    audit_scope.allowed(clients, settings, "auth.sign_in", "user", user_id, actor_id=user_id, actor_role=role)
    return tokens


def _sign_in(clients: AwsClients, settings: Settings, request: SigninRequest) -> TokensResponse:
    tokens = _initiate(clients, settings, "USER_PASSWORD_AUTH",
                       {"USERNAME": request.email, "PASSWORD": request.password}, "sign_in")
    claims = _claims(tokens["IdToken"])
    groups = claims.get("cognito:groups") or []
    if not any(role in groups for role in ROLES):
        # The post-confirmation trigger did not run (or failed): finish it now, then mint
        # tokens that carry the group so the first authenticated call already sees the role.
        role = str(claims.get(ROLE_ATTRIBUTE) or "")
        if role not in ROLES:
            raise Forbidden("The account has no valid role; contact support.")
        log_event(logger, "provisioning_repair", user_id=claims.get("sub"))
        provision(clients, settings, username=str(claims.get("cognito:username") or claims["sub"]),
                  user_id=str(claims["sub"]), name=str(claims.get("name") or ""), role=role)
        refreshed = _initiate(clients, settings, "REFRESH_TOKEN_AUTH",
                              {"REFRESH_TOKEN": tokens["RefreshToken"]}, "refresh")
        tokens = {**tokens, **refreshed}
    return TokensResponse(
        id_token=tokens["IdToken"],
        access_token=tokens["AccessToken"],
        refresh_token=tokens["RefreshToken"],
        expires_in=int(tokens.get("ExpiresIn", 3600)),
    )
