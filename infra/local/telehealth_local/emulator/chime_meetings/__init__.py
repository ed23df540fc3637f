"""Emulated Amazon Chime SDK meetings (meetings and attendees), with accessors for the SMA call simulator."""
from .models import (
    attendee_by_join_token,
    attendee_connection,
    backends,
    connect_attendee,
    disconnect_attendee,
    meeting_exists,
)

__all__ = [
    "attendee_by_join_token",
    "attendee_connection",
    "backends",
    "connect_attendee",
    "disconnect_attendee",
    "meeting_exists",
]
