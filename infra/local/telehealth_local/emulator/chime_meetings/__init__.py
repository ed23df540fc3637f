"""Emulated Amazon Chime SDK meetings (meetings and attendees), with lookups for the media plane and the SMA call simulator."""
from .hooks import MeetingHooks
from .models import ChimeMeetingsBackend
from .views import MeetingViews

__all__ = ["ChimeMeetingsBackend", "MeetingHooks", "MeetingViews"]
