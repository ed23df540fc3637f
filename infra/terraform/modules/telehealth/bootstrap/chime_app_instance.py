"""Lambda run by Terraform (aws_lambda_invocation, CRUD) to create, keep and delete the Chime SDK app instance and its admin user."""
from __future__ import annotations

import re
from typing import Any

import boto3
from botocore.exceptions import ClientError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_USER_ID = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9:\-_.@]{0,62}[A-Za-z0-9])?$")


class BootstrapError(Exception):
    """Input or state that the bootstrap refuses to act on (Terraform shows the message)."""


def handler(event: dict[str, Any], context: Any = None, client: Any = None) -> dict[str, str]:
    """Entry point: `event` is the invocation input plus Terraform's `tf` key {action, prev_input}."""
    action = (event.get("tf") or {}).get("action", "create")
    config = _validated(event)
    chime = client or boto3.client("chime-sdk-identity")
    if action in ("create", "update"):
        return ensure(chime, config)
    if action == "delete":
        return delete(chime, config)
    raise BootstrapError(f"unknown action {action!r}")


def _validated(event: dict[str, Any]) -> dict[str, Any]:
    name = event.get("name")
    admin_user_id = event.get("admin_user_id")
    admin_name = event.get("admin_name") or admin_user_id
    if not isinstance(name, str) or not _NAME.match(name):
        raise BootstrapError("name must be 1-64 letters, digits, '_', '.' or '-'")
    if not isinstance(admin_user_id, str) or not _USER_ID.match(admin_user_id):
        raise BootstrapError("admin_user_id is not a valid AppInstanceUserId")
    if not isinstance(admin_name, str) or not 1 <= len(admin_name) <= 100:
        raise BootstrapError("admin_name must be 1-100 characters")
    return {
        "name": name,
        "admin_user_id": admin_user_id,
        "admin_name": admin_name,
        "deletion_protection": bool(event.get("deletion_protection", True)),
    }


def find_app_instance(chime: Any, name: str) -> str | None:
    """The ARN of the one app instance called `name`, or None; several with that name is an error."""
    found: list[str] = []
    kwargs: dict[str, Any] = {"MaxResults": 50}
    while True:
        page = chime.list_app_instances(**kwargs)
        found += [item["AppInstanceArn"] for item in page.get("AppInstances", []) if item.get("Name") == name]
        token = page.get("NextToken")
        if not token:
            break
        kwargs["NextToken"] = token
    if len(found) > 1:
        raise BootstrapError(f"{len(found)} app instances are named {name}; delete the extra ones first")
    return found[0] if found else None


def ensure(chime: Any, config: dict[str, Any]) -> dict[str, str]:
    """Create whatever is missing (app instance, admin user, admin role) and return the ARNs.

    Looking the instance up by name first makes a retried or re-run create reuse it instead
    of creating a second one (app instance names are not unique in Chime).
    """
    arn = find_app_instance(chime, config["name"])
    if arn is None:
        # No fixed ClientRequestToken: a destroy followed by a create within the idempotency
        # window would hand back the deleted instance. botocore fills one in per call.
        arn = chime.create_app_instance(Name=config["name"])["AppInstanceArn"]
    admin_arn = f"{arn}/user/{config['admin_user_id']}"
    if not _exists(lambda: chime.describe_app_instance_user(AppInstanceUserArn=admin_arn)):
        chime.create_app_instance_user(
            AppInstanceArn=arn,
            AppInstanceUserId=config["admin_user_id"],
            Name=config["admin_name"],
        )
    if not _exists(lambda: chime.describe_app_instance_admin(AppInstanceAdminArn=admin_arn, AppInstanceArn=arn)):
        chime.create_app_instance_admin(AppInstanceAdminArn=admin_arn, AppInstanceArn=arn)
    return {"app_instance_arn": arn, "app_instance_admin_arn": admin_arn}


def delete(chime: Any, config: dict[str, Any]) -> dict[str, str]:
    """Delete the app instance (Chime deletes its users, channels and messages with it)."""
    arn = find_app_instance(chime, config["name"])
    if arn is None:
        return {"app_instance_arn": "", "app_instance_admin_arn": ""}
    if config["deletion_protection"]:
        raise BootstrapError(
            f"app instance {config['name']} is protected: apply with deletion_protection = false before destroying"
        )
    chime.delete_app_instance(AppInstanceArn=arn)
    return {"app_instance_arn": "", "app_instance_admin_arn": ""}


def _exists(describe: Any) -> bool:
    try:
        describe()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NotFoundException", "NotFound"):
            return False
        raise
    return True

