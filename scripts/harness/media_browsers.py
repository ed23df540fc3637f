"""Headless Chromium browsers (Debian's, driven by playwright-core through the media plane's
small Node bridge) that open the media plane's meeting page and join with the {meeting,
attendee} our calling service returned; used by the browser suite and `make bench`."""
from __future__ import annotations

import itertools
import json
import shutil
import subprocess  # nosec B404: starts our own Node bridge
import threading
from pathlib import Path
from typing import Any, Mapping

REPO_ROOT = Path(__file__).resolve().parents[2]
BRIDGE = REPO_ROOT / "infra" / "local" / "media" / "test" / "browsers.js"
CHROMIUM = Path("/usr/bin/chromium")


class BrowserError(Exception):
    """The bridge or a page reported an error; the message quotes it."""


class Browsers:
    """One Chromium with a context (its own fake camera and microphone) per participant."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None or not CHROMIUM.exists():
            raise BrowserError("the browser tests need node and /usr/bin/chromium (`make install` installs them)")
        self._process = subprocess.Popen(  # nosec B603: fixed argv of our own program
            [node, str(BRIDGE)], cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def call(self, op: str, **fields: Any) -> Any:
        with self._lock:
            request = {"id": next(self._ids), "op": op, **fields}
            assert self._process.stdin and self._process.stdout
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        if not line:
            raise BrowserError(f"the browser bridge exited (code {self._process.poll()})")
        answer = json.loads(line)
        if "error" in answer:
            raise BrowserError(answer["error"])
        return answer["result"]

    def page(self, name: str, url: str) -> "MeetingPage":
        self.call("open", name=name, url=url)
        return MeetingPage(self, name)

    def close(self) -> None:
        try:
            self.call("quit")
        except (BrowserError, OSError, ValueError):
            pass
        try:
            self._process.wait(15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)


class MeetingPage:
    """One participant's meeting page (infra/local/media/page)."""

    def __init__(self, browsers: Browsers, name: str):
        self.browsers = browsers
        self.name = name

    def eval(self, expression: str) -> Any:
        return self.browsers.call("eval", name=self.name, expr=expression)

    def join(self, info: Mapping[str, Any]) -> None:
        """Start the unmodified SDK's DefaultMeetingSession with {meeting, attendee}."""
        self.eval(f"window.joinMeeting({json.dumps({'meeting': info['meeting'], 'attendee': info['attendee']})})")

    def state(self) -> dict[str, Any]:
        """status, stopStatus, joinMs, tiles {tileId: {attendeeId, content}}, present, muted."""
        return self.eval("(({session, ...rest}) => rest)(window.meeting)")

    def stats(self) -> dict[str, Any]:
        """video [{framesDecoded, width, height, fps}], audioPacketsReceived/Sent, videoFramesSent, remoteAddresses."""
        return self.eval("window.meetingStats()")

    def frames_from(self, attendee_id: str) -> int:
        """Frames decoded so far on the video tile bound to `attendee_id` (0 when none)."""
        return self.eval(f"""(async () => {{
            const tiles = Object.entries(window.meeting.tiles).filter(([, t]) => t.attendeeId === {json.dumps(attendee_id)});
            let frames = 0;
            for (const [id] of tiles) {{
                const el = document.getElementById('tile-' + id);
                if (el && el.getVideoPlaybackQuality) frames += el.getVideoPlaybackQuality().totalVideoFrames;
            }}
            return frames;
        }})()""")

    def share_content(self) -> None:
        """Share a moving canvas as content (the SDK's second session, <AttendeeId>#content)."""
        self.eval("window.shareContent()")

    def log(self) -> list[str]:
        return self.browsers.call("log", name=self.name)

    def leave(self) -> None:
        self.eval("window.leaveMeeting()")

    def close(self) -> None:
        self.browsers.call("close", name=self.name)
