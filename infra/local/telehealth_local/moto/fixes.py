"""Corrections to moto 5.2.5 where it answers differently from AWS in a way a deploy notices (each listed in docs/local-stack.md)."""
from __future__ import annotations

from typing import Any

# Fixed when the pool is created: UpdateUserPool cannot change them, so AWS keeps them.
_CREATE_ONLY_POOL_SETTINGS = ("UsernameAttributes", "AliasAttributes", "UsernameConfiguration")


def install() -> None:
    """moto's UpdateUserPool resets every setting it is not given, the create-only ones too, so a
    second `terraform apply` saw `username_attributes` vanish and planned to replace the pool."""
    from moto.cognitoidp.models import CognitoIdpUserPool

    original = CognitoIdpUserPool.update_extended_config
    if getattr(original, "_keeps_create_only", False):
        return

    def update_extended_config(self: Any, extended_config: dict[str, Any]) -> None:
        kept = {key: self.extended_config[key] for key in _CREATE_ONLY_POOL_SETTINGS
                if key in getattr(self, "extended_config", {})}
        original(self, extended_config)
        self.extended_config.update(kept)

    update_extended_config._keeps_create_only = True  # type: ignore[attr-defined]
    CognitoIdpUserPool.update_extended_config = update_extended_config
