"""Plain-Python reads and joins of the emulated Chime SDK meetings for the media plane link and the call simulator (never HTTP)."""
from __future__ import annotations

from typing import Any

from ..core import BackendRegistry
from .hooks import ChangeListener, MeetingHooks
from .models import ChimeMeetingsBackend


class MeetingViews:
    """Who is in which meeting of one emulator, who holds a join token, and who joined by phone."""

    def __init__(self, backends: BackendRegistry[ChimeMeetingsBackend], hooks: MeetingHooks):
        self._backends = backends
        self._hooks = hooks

    # --- the media plane (telehealth_local.media_link) -----------------------------------

    def set_media_endpoint(self, host_port: str | None) -> None:
        """Name the media plane new meetings' SignalingUrl points at (None: nowhere)."""
        self._hooks.media_endpoint.set(host_port)

    def add_change_listener(self, listener: ChangeListener) -> None:
        self._hooks.changes.add(listener)

    def remove_change_listener(self, listener: ChangeListener) -> None:
        self._hooks.changes.remove(listener)

    def roster(self, meeting_id: str) -> dict[str, Any] | None:
        """The meeting's attendees (no join tokens), in whichever account and region holds it."""
        for backend in self._backends.all():
            attendees = backend.roster(meeting_id)
            if attendees is not None:
                return {"MeetingId": meeting_id.lower(), "Attendees": attendees}
        return None

    def resolve_join_token(self, meeting_id: str, join_token: str) -> dict[str, Any] | None:
        """The attendee (AttendeeId, ExternalUserId, Capabilities) holding `join_token`, or None."""
        for backend in self._backends.all():
            attendee = backend.find_attendee_by_join_token(meeting_id, join_token)
            if attendee is not None:
                found = attendee.to_dict()
                found.pop("JoinToken")
                return found
        return None

    # --- one account and region (the call simulator) -------------------------------------

    def meeting_exists(self, account_id: str, region: str, meeting_id: str) -> bool:
        backend = self._backends.peek(account_id, region)
        return backend is not None and backend.has_meeting(meeting_id)

    def attendee_by_join_token(self, account_id: str, region: str, meeting_id: str,
                               join_token: str) -> dict[str, Any] | None:
        """The attendee (AWS shape) holding `join_token` in that meeting, or None."""
        backend = self._backends.peek(account_id, region)
        attendee = backend.find_attendee_by_join_token(meeting_id, join_token) if backend else None
        return attendee.to_dict() if attendee else None

    def connect_attendee(self, account_id: str, region: str, meeting_id: str, join_token: str,
                         via: str) -> dict[str, Any] | None:
        """Join the attendee holding `join_token` (e.g. via="phone"); its AWS shape, or None for a bad token."""
        backend = self._backends.peek(account_id, region)
        return backend.connect_by_join_token(meeting_id, join_token, via) if backend else None

    def disconnect_attendee(self, account_id: str, region: str, meeting_id: str, attendee_id: str) -> bool:
        """The attendee left; False if it (or its meeting) no longer exists."""
        backend = self._backends.peek(account_id, region)
        return backend is not None and backend.set_connection(meeting_id, attendee_id, None)

    def attendee_connection(self, account_id: str, region: str, meeting_id: str, attendee_id: str) -> str | None:
        """How the attendee is connected ("phone"), or None when not connected or unknown."""
        backend = self._backends.peek(account_id, region)
        return backend.connection(meeting_id, attendee_id) if backend else None
