"""Returns the caller's own profile, provisioning the account first if that never completed."""
from __future__ import annotations

from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Forbidden
from telehealth_shared.models.identity import MeResponse

from .cognito_errors import translate
from .provision_user import app_instance_user_arn, provision


def get_profile(clients: AwsClients, settings: Settings, principal: Principal) -> MeResponse:
    try:
        user = clients.cognito.admin_get_user(UserPoolId=settings.require("user_pool_id"), Username=principal.username)
    except Exception as exc:
        if hasattr(exc, "response"):
            raise translate(exc, "profile") from exc
        raise
    attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    role = principal.role or attributes.get("custom:role")
    if role not in ("doctor", "patient"):
        raise Forbidden("The account has no role.")
    if principal.role is None:
        provision(clients, settings, username=principal.username, user_id=principal.user_id,
                  name=attributes.get("name", ""), role=role)
    return MeResponse(
        user_id=principal.user_id,
        email=attributes.get("email", principal.email),
        name=attributes.get("name", principal.name),
        phone_number=attributes.get("phone_number", ""),
        role=role,
        app_instance_user_arn=app_instance_user_arn(settings, principal.user_id),
    )
