"""Emulated Amazon Chime SDK identity: app instances, their users and admins (state, rules, helpers)."""
from .models import (
    app_instance_exists,
    app_instance_of,
    backends,
    identity_of,
    is_app_instance_admin,
    user_exists,
    user_name,
)

__all__ = [
    "app_instance_exists",
    "app_instance_of",
    "backends",
    "identity_of",
    "is_app_instance_admin",
    "user_exists",
    "user_name",
]
