"""Reads and writes a user's Cognito attributes with the identity service's admin rights."""
from __future__ import annotations

from typing import Any, Mapping

from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_aws_failure
from telehealth_shared.config import Settings

from .cognito_errors import translate

ROLE_ATTRIBUTE = "custom:role"
ROLES = ("patient", "doctor", "admin")


def attribute_map(entries: list[dict[str, Any]]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in entries}


def get_attributes(clients: AwsClients, settings: Settings, username: str, operation: str = "profile") -> dict[str, str]:
    try:
        user = clients.cognito.admin_get_user(UserPoolId=settings.require("user_pool_id"), Username=username)
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc, operation) from exc
        raise
    return attribute_map(user.get("UserAttributes", []))


def set_attributes(clients: AwsClients, settings: Settings, username: str, values: Mapping[str, str],
                   operation: str = "profile") -> None:
    """AdminUpdateUserAttributes: the only way name, phone and role change (the app client can't)."""
    try:
        clients.cognito.admin_update_user_attributes(
            UserPoolId=settings.require("user_pool_id"), Username=username,
            UserAttributes=[{"Name": name, "Value": value} for name, value in values.items()])
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc, operation) from exc
        raise
