#!/usr/bin/env python3
"""Media-plane benchmark: N headless Chromium browsers (the unmodified Chime SDK) join one
visit's meeting on the local stack; prints each one's join time, the video frames per second
and audio packets per second it receives, and the CPU the media plane and the browsers use.

Starts its own stack (four services and the media plane) on free ports.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests
from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "harness"))

from media_browsers import Browsers  # noqa: E402
from stack_fixture import start_stack, wait_for  # noqa: E402
from users import make_user  # noqa: E402

ALL = {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of these processes and all their descendants (from /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    chosen, frontier = set(pids), set(pids)
    while frontier:
        frontier = {c for c, p in parents.items() if p in frontier and c not in chosen}
        chosen |= frontier
    return sum(times.get(p, 0.0) for p in chosen)


def ok(stack: Any, service: str, method: str, path: str, user: Any, expect: int, body: Any = None) -> Any:
    """The JSON answer of one request to a service, which must answer `expect`."""
    response = requests.request(method, stack.url(service) + path, headers=user.headers, json=body, timeout=30)
    if response.status_code != expect:
        raise RuntimeError(f"{method} {service}{path}: {response.status_code} {response.text[:300]}")
    return response.json()


def bench(participants: int, seconds: float) -> None:
    with start_stack(services=SERVICES, env={"PYTHONPATH": str(ROOT / "shared")}, media=True) as stack:
        doctor = make_user(stack.settings, "doctor")
        patient = make_user(stack.settings, "patient")
        tomorrow = (datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)).isoformat()
        appointment = ok(stack, "scheduling", "POST", "/appointments", doctor, 201,
                         {"patient_id": patient.user_id, "starts_at": tomorrow.replace("+00:00", "Z")})
        base = f"/appointments/{appointment['appointment_id']}/meeting"
        infos = [ok(stack, "calling", "POST", base, doctor, 201), ok(stack, "calling", "POST", f"{base}/join", patient, 200)]
        meetings = stack.client("chime-sdk-meetings")
        meeting_id = infos[0]["meeting"]["MeetingId"]
        meetings.update_attendee_capabilities(MeetingId=meeting_id, AttendeeId=infos[1]["attendee"]["AttendeeId"],
                                              Capabilities=ALL)
        for i in range(2, participants):
            extra = meetings.create_attendee(MeetingId=meeting_id, ExternalUserId=f"interpreter-{i}")["Attendee"]
            infos.append({"meeting": infos[0]["meeting"], "attendee": extra})
        browsers = Browsers()
        try:
            pages = [browsers.page(f"p{i}", f"{stack.media_url}/meeting/") for i in range(participants)]
            for page, info in zip(pages, infos):
                page.join(info)
            for page in pages:
                wait_for(lambda: page.state()["status"] == "started", 60, 0.25, "a session to start")
            # Settled: every browser decodes video from every other one.
            for page in pages:
                wait_for(lambda: sum(1 for v in page.stats()["video"] if v["framesDecoded"] > 0) >= participants - 1,
                         60, 0.25, "video from every other browser")
            media_pid = stack.pids()["media"]
            browser_pid = browsers._process.pid
            before = [page.stats() for page in pages]
            cpu_before = (cpu_seconds([media_pid]), cpu_seconds([browser_pid]))
            started = time.monotonic()
            time.sleep(seconds)
            elapsed = time.monotonic() - started
            after = [page.stats() for page in pages]
            cpu_after = (cpu_seconds([media_pid]), cpu_seconds([browser_pid]))
            print(f"{participants} browsers, {elapsed:.1f}s window")
            print("  browser  join ms  video streams  fps received (each)  resolution      audio pkt/s")
            for i, (page, b, a) in enumerate(zip(pages, before, after)):
                fps = [(va["framesDecoded"] - vb["framesDecoded"]) / elapsed
                       for vb, va in zip(b["video"], a["video"]) if va["framesDecoded"] > 0]
                sizes = sorted({f"{v['width']}x{v['height']}" for v in a["video"] if v["framesDecoded"] > 0})
                audio = (a["audioPacketsReceived"] - b["audioPacketsReceived"]) / elapsed
                print(f"  p{i:<7} {page.state()['joinMs']:>7}  {len(fps):>13}  "
                      f"{' '.join(f'{x:.1f}' for x in fps):<19}  {','.join(sizes):<14}  {audio:>11.0f}")
            print(f"  CPU: media plane {100 * (cpu_after[0] - cpu_before[0]) / elapsed:.0f}% of one core, "
                  f"browsers {100 * (cpu_after[1] - cpu_before[1]) / elapsed:.0f}% of one core ({os.cpu_count()} cores)")
        finally:
            browsers.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", default="2,3", help="comma-separated browser counts (default 2,3)")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    for count in (int(n) for n in args.participants.split(",")):
        bench(count, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
