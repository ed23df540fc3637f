"""What one emulator's meetings tell the rest of the local stack: the media plane they point at, roster changes, departures."""
from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

from ..core import Setting

# Called (outside any lock) with a meeting id whenever its roster changes (an attendee is
# created or deleted, capabilities change, the meeting is deleted): the media plane re-reads it.
ChangeListener = Callable[[str], None]
# Called (outside any lock) with (account_id, region, meeting_id, attendee_id) whenever an
# attendee stops existing (DeleteAttendee, DeleteMeeting): the call simulator drops the
# phone leg of a call joined with it, as AWS does.
DepartureListener = Callable[[str, str, str, str], None]
L = TypeVar("L")


class Listeners(Generic[L]):
    """A set of callbacks, called in the order they were added, outside the lock."""

    def __init__(self) -> None:
        self._listeners: list[L] = []
        self._lock = threading.Lock()

    def add(self, listener: L) -> None:
        with self._lock:
            if listener not in self._listeners:
                self._listeners.append(listener)

    def remove(self, listener: L) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def all(self) -> list[L]:
        with self._lock:
            return list(self._listeners)


class MeetingHooks:
    """The media endpoint new meetings' MediaPlacement names and the listeners of one emulator."""

    def __init__(self, media_endpoint: str | None = None):
        self.media_endpoint: Setting[str | None] = Setting(media_endpoint)
        self.changes: Listeners[ChangeListener] = Listeners()
        self.departures: Listeners[DepartureListener] = Listeners()

    def announce_change(self, meeting_id: str) -> None:
        for listener in self.changes.all():
            listener(meeting_id)

    def announce_departures(self, account_id: str, region: str, meeting_id: str, attendee_ids: list[str]) -> None:
        listeners = self.departures.all()
        for attendee_id in attendee_ids:
            for listener in listeners:
                listener(account_id, region, meeting_id, attendee_id)
