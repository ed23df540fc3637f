"""Emulated Amazon Chime SDK messaging: channels, memberships, moderators, messages and their real-time events."""
from .models import (
    backends,
    channel_details,
    channel_members,
    channels_for_member,
    make_frame,
    session_endpoint,
    set_session_endpoint,
)

__all__ = [
    "backends",
    "channel_details",
    "channel_members",
    "channels_for_member",
    "make_frame",
    "session_endpoint",
    "set_session_endpoint",
]
