"""Puts a confirmed user in its role's group and gives it a Chime AppInstanceUser, idempotently."""
from __future__ import annotations

import logging

from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONFLICT, error_code
from telehealth_shared.chime_channel import user_arn
from telehealth_shared.config import Settings
from telehealth_shared.log import log_event

from .user_attributes import ROLES

logger = logging.getLogger("telehealth.identity.provision")


def provision(clients: AwsClients, settings: Settings, *, username: str, user_id: str, name: str, role: str) -> str:
    """Create the AppInstanceUser, then add the group; returns the AppInstanceUser ARN.

    The group is added last on purpose: a user in a role group is therefore always fully
    provisioned, which lets sign-in skip the repair whenever the token carries the group.
    """
    if role not in ROLES:
        raise ValueError("user has no valid role attribute")
    arn = user_arn(settings, user_id)
    try:
        clients.chime_identity.create_app_instance_user(
            AppInstanceArn=settings.require("app_instance_arn"),
            AppInstanceUserId=user_id,
            Name=(name or user_id)[:100],
            ClientRequestToken=user_id,
        )
    except Exception as exc:
        if error_code(exc) != CONFLICT:
            raise
    clients.cognito.admin_add_user_to_group(
        UserPoolId=settings.require("user_pool_id"), Username=username, GroupName=role)
    log_event(logger, "user_provisioned", user_id=user_id, role=role)
    return arn
