"""Exchanges a refresh token for new ID and access tokens."""
from __future__ import annotations

from telehealth_shared import audit_scope
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import DomainError
from telehealth_shared.models.identity import RefreshRequest, RefreshResponse

from .sign_in import _initiate, signed_in_actor


def refresh_tokens(clients: AwsClients, settings: Settings, request: RefreshRequest) -> RefreshResponse:
    try:
        tokens = _initiate(clients, settings, "REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": request.refresh_token}, "refresh")
    except DomainError:
        audit_scope.refused(clients, settings, "auth.refresh", "route", "/refresh")
        raise
    user_id, role = signed_in_actor(tokens["IdToken"])
    audit_scope.allowed(clients, settings, "auth.refresh", "user", user_id, actor_id=user_id, actor_role=role)
    return RefreshResponse(id_token=tokens["IdToken"], access_token=tokens["AccessToken"],
                           expires_in=int(tokens.get("ExpiresIn", 3600)))
