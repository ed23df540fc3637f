"""Registers a new doctor or patient in the Cognito user pool (unconfirmed until /confirm)."""
from __future__ import annotations

from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.models.identity import SignupRequest, SignupResponse

from .cognito_errors import translate


def sign_up(clients: AwsClients, settings: Settings, request: SignupRequest) -> SignupResponse:
    try:
        result = clients.cognito.sign_up(
            ClientId=settings.require("user_pool_client_id"),
            Username=request.email,
            Password=request.password,
            UserAttributes=[
                {"Name": "email", "Value": request.email},
                {"Name": "name", "Value": request.name},
                {"Name": "phone_number", "Value": request.phone_number},
                {"Name": "custom:role", "Value": request.role},
            ],
        )
    except Exception as exc:
        if hasattr(exc, "response"):
            raise translate(exc, "sign_up") from exc
        raise
    return SignupResponse(user_id=result["UserSub"], email=request.email, role=request.role,
                          confirmed=bool(result.get("UserConfirmed", False)))
