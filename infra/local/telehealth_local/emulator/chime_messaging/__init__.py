"""Emulated Amazon Chime SDK messaging: channels, memberships, moderators, messages and their real-time events."""
from .models import MessagingBackend
from .shapes import make_frame
from .views import MessagingViews

__all__ = ["MessagingBackend", "MessagingViews", "make_frame"]
