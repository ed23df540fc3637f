"""Returns the caller's own profile, provisioning the account first if that never completed."""
from __future__ import annotations

from telehealth_shared import audit_scope
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.chime_channel import user_arn
from telehealth_shared.config import Settings
from telehealth_shared.errors import Forbidden
from telehealth_shared.models.identity import MeResponse

from .parts.provision_user import provision
from .parts.user_attributes import ROLE_ATTRIBUTE, ROLES, get_attributes


def profile_from(principal: Principal, settings: Settings, attributes: dict[str, str], role: str) -> MeResponse:
    return MeResponse(
        user_id=principal.user_id,
        email=attributes.get("email", principal.email),
        name=attributes.get("name", principal.name),
        phone_number=attributes.get("phone_number", ""),
        phone_number_verified=attributes.get("phone_number_verified") == "true",
        role=role,
        app_instance_user_arn=user_arn(settings, principal.user_id),
    )


def caller_role(principal: Principal, attributes: dict[str, str]) -> str:
    # custom:role is written only by the identity service's admin calls, never by users.
    role = principal.role or attributes.get(ROLE_ATTRIBUTE)
    if role not in ROLES:
        raise Forbidden("The account has no role.")
    return role


def get_profile(clients: AwsClients, settings: Settings, principal: Principal) -> MeResponse:
    attributes = get_attributes(clients, settings, principal.username)
    role = caller_role(principal, attributes)
    if principal.role is None:
        provision(clients, settings, username=principal.username, user_id=principal.user_id,
                  name=attributes.get("name", ""), role=role)
    audit_scope.allowed(clients, settings, "profile.read", "user", principal.user_id, principal=principal)
    return profile_from(principal, settings, attributes, role)
