"""Plain-Python lookups in the emulated Chime SDK identity service for the rest of the local stack (never HTTP)."""
from __future__ import annotations

from ..core import BackendRegistry
from .models import IdentityBackend


class IdentityViews:
    """Who exists and who is an admin, in one emulator's identity backends."""

    def __init__(self, backends: BackendRegistry[IdentityBackend]):
        self._backends = backends

    def user_exists(self, account_id: str, region: str, user_arn: str) -> bool:
        return self._backends.get(account_id, region).get_user(user_arn) is not None

    def user_name(self, account_id: str, region: str, user_arn: str) -> str | None:
        user = self._backends.get(account_id, region).get_user(user_arn)
        return user.name if user else None

    def identity_of(self, account_id: str, region: str, user_arn: str) -> dict[str, str]:
        """The Chime `Identity` {Arn, Name} of a user (Name empty if the user no longer exists)."""
        return {"Arn": user_arn, "Name": self.user_name(account_id, region, user_arn) or ""}

    def app_instance_exists(self, account_id: str, region: str, app_instance_arn: str) -> bool:
        return self._backends.get(account_id, region).has_app_instance(app_instance_arn)

    def is_app_instance_admin(self, account_id: str, region: str, app_instance_arn: str, user_arn: str) -> bool:
        return self._backends.get(account_id, region).is_admin(app_instance_arn, user_arn)
