"""Exchanges a refresh token for new ID and access tokens."""
from __future__ import annotations

from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.models.identity import RefreshRequest, RefreshResponse

from .sign_in import _initiate


def refresh_tokens(clients: AwsClients, settings: Settings, request: RefreshRequest) -> RefreshResponse:
    tokens = _initiate(clients, settings, "REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": request.refresh_token}, "refresh")
    return RefreshResponse(id_token=tokens["IdToken"], access_token=tokens["AccessToken"],
                           expires_in=int(tokens.get("ExpiresIn", 3600)))
