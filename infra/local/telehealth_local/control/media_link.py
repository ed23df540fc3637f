"""The link between the emulated Chime meetings and the local media plane (infra/local/media):
the media plane asks here who holds a join token and who is in a meeting, and is told when a
meeting's roster changes (attendee created or deleted, capabilities changed, meeting deleted).

The media plane is a separate Node process; nothing in Python knows about WebRTC. Both
directions are plain JSON over loopback HTTP:
  GET  /_local/media/meetings/<id>          -> {"MeetingId", "Attendees": [...]} or 404
  POST /_local/media/meetings/<id>/join     {"JoinToken"} -> {"Attendee": {...}} or 404
  POST http://<media>/_internal/meetings/<id>/changed   (from here, fire and forget)
"""
from __future__ import annotations

import logging
import queue
import threading
import urllib.error
import urllib.request
from typing import Any

logger = logging.getLogger("telehealth_local.media_link")


class ChangeNotifier:
    """Tells the media plane, in order and off the request thread, which meetings changed."""

    def __init__(self, meetings: Any, media_url: str):
        self._meetings = meetings
        self.media_url = media_url.rstrip("/")
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="media-notifier", daemon=True)
        self._thread.start()

    def __call__(self, meeting_id: str) -> None:
        self._queue.put(meeting_id)

    def _run(self) -> None:
        while (meeting_id := self._queue.get()) is not None:
            request = urllib.request.Request(f"{self.media_url}/_internal/meetings/{meeting_id}/changed",
                                             data=b"", method="POST")
            try:
                with urllib.request.urlopen(request, timeout=5):  # nosec B310: our own loopback media plane
                    pass
            except (urllib.error.URLError, OSError) as exc:
                # The media plane also re-reads rosters on its own; a lost push only delays it.
                logger.warning("media plane not told of a roster change: %s", type(exc).__name__)

    def close(self) -> None:
        self._meetings.remove_change_listener(self)
        self._queue.put(None)
        self._thread.join(timeout=5)


def connect(meetings: Any, host: str, port: int) -> ChangeNotifier:
    """Point new meetings' SignalingUrl at the media plane on host:port and push roster changes to it.

    `meetings` is the emulator's MeetingViews (`emulator.meetings`); the control API answers the
    media plane's questions from it too (`roster`, `resolve_join_token`)."""
    meetings.set_media_endpoint(f"{host}:{port}")
    notifier = ChangeNotifier(meetings, f"http://{host}:{port}")
    meetings.add_change_listener(notifier)
    return notifier
