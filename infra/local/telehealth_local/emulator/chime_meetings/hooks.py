"""What one emulator's meetings tell the rest of the local stack: the media plane they point at, roster changes, departures."""
from __future__ import annotations

import threading
from typing import Callable

from ..core import Setting

# Called (outside any lock) with a meeting id whenever its roster changes (an attendee is
# created or deleted, capabilities change, the meeting is deleted): the media plane re-reads it.
ChangeListener = Callable[[str], None]
# Called (outside any lock) with (account_id, region, meeting_id, attendee_id) whenever an
# attendee stops existing (DeleteAttendee, DeleteMeeting): the call simulator drops the
# phone leg of a call joined with it, as AWS does.
DepartureListener = Callable[[str, str, str, str], None]


class MeetingHooks:
    """The media endpoint new meetings' MediaPlacement names and the listeners of one emulator."""

    def __init__(self, media_endpoint: str | None = None):
        self.media_endpoint: Setting[str | None] = Setting(media_endpoint)
        self._changes: list[ChangeListener] = []
        self._departures: list[DepartureListener] = []
        self._lock = threading.Lock()

    def add_change_listener(self, listener: ChangeListener) -> None:
        with self._lock:
            if listener not in self._changes:
                self._changes.append(listener)

    def remove_change_listener(self, listener: ChangeListener) -> None:
        with self._lock:
            if listener in self._changes:
                self._changes.remove(listener)

    def add_departure_listener(self, listener: DepartureListener) -> None:
        with self._lock:
            if listener not in self._departures:
                self._departures.append(listener)

    def announce_change(self, meeting_id: str) -> None:
        with self._lock:
            listeners = list(self._changes)
        for listener in listeners:
            listener(meeting_id)

    def announce_departures(self, account_id: str, region: str, meeting_id: str, attendee_ids: list[str]) -> None:
        with self._lock:
            listeners = list(self._departures)
        for attendee_id in attendee_ids:
            for listener in listeners:
                listener(account_id, region, meeting_id, attendee_id)
