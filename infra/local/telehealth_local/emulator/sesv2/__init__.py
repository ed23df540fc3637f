"""Emulated Amazon SES v2: e-mail identities and SendEmail into the local e-mail outbox."""
from .models import SesBackend

__all__ = ["SesBackend"]
