"""Emulated Amazon Chime SDK identity: app instances, their users and admins (state, rules, lookups)."""
from .models import IdentityBackend, app_instance_of
from .views import IdentityViews

__all__ = ["IdentityBackend", "IdentityViews", "app_instance_of"]
