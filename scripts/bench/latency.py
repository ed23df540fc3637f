#!/usr/bin/env python3
"""Latency benchmark through the local stack: each API action's median and p95 over N calls,
websocket delivery from send to receipt, and local-stack start-up until all /health answer.

Starts its own stack (the four services as separate processes) on free ports; prints a table.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "harness"))

from stack_fixture import start_stack  # noqa: E402
from telehealth_client import ServiceUrls, TelehealthClient  # noqa: E402
from telehealth_shared.models.identity import TokensResponse  # noqa: E402
from users import make_user  # noqa: E402



def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(runs: int, action: Callable[[int], object]) -> list[float]:
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        action(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def client_for(stack, user) -> TelehealthClient:
    urls = ServiceUrls(**{s: stack.url(s) for s in SERVICES})
    client = TelehealthClient(urls)
    client.tokens = TokensResponse(id_token=user.id_token, access_token=user.access_token,
                                   refresh_token=user.refresh_token, expires_in=3600)
    return client


def websocket_delivery(stack, doctor, patient, appointment_id: str, runs: int) -> list[float]:
    from websockets.sync.client import connect

    url = patient.session().websocket_url
    samples = []
    with connect(url, open_timeout=5) as ws:
        first = json.loads(ws.recv(timeout=5))
        if first["Headers"]["x-amz-chime-event-type"] != "SESSION_ESTABLISHED":
            raise RuntimeError("the session did not start")
        for i in range(runs):
            marker = f"latency probe {i}"
            started = time.perf_counter()
            doctor.send_message(appointment_id, marker)
            while True:
                frame = json.loads(ws.recv(timeout=10))
                if frame["Headers"].get("x-amz-chime-event-type") == "CREATE_CHANNEL_MESSAGE" and \
                        json.loads(frame["Payload"]).get("Content") == marker:
                    break
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    rows: list[tuple[str, list[float]]] = []

    started = time.perf_counter()
    with start_stack(services=SERVICES) as stack:
        startup = time.perf_counter() - started
        settings = stack.settings
        doctor_user = make_user(settings, "doctor", name="Dr Bench")
        patient_user = make_user(settings, "patient", name="Bench Patient")
        doctor, patient = client_for(stack, doctor_user), client_for(stack, patient_user)
        anonymous = TelehealthClient(ServiceUrls(**{s: stack.url(s) for s in SERVICES}))
        start = datetime.now(timezone.utc) + timedelta(days=1)

        rows.append(("identity POST /signin", timed(args.runs, lambda i: anonymous.sign_in(doctor_user.email, doctor_user.password))))
        rows.append(("identity GET /me", timed(args.runs, lambda i: doctor.me())))
        created: list[str] = []
        rows.append(("scheduling POST /appointments", timed(args.runs, lambda i: created.append(
            doctor.create_appointment(patient_user.user_id, start + timedelta(minutes=i)).appointment_id))))
        rows.append(("scheduling GET /appointments", timed(args.runs, lambda i: doctor.appointments(limit=20))))
        rows.append(("scheduling GET /appointments/{id}", timed(args.runs, lambda i: patient.appointment(created[i]))))
        rows.append(("scheduling PATCH /appointments/{id}", timed(args.runs, lambda i: doctor.move_appointment(
            created[i], starts_at=start + timedelta(hours=2, minutes=i)))))
        rows.append(("messaging POST check-in", timed(args.runs, lambda i: patient.check_in(created[i]))))
        rows.append(("messaging POST messages", timed(args.runs, lambda i: doctor.send_message(created[0], f"hello {i}"))))
        rows.append(("messaging GET messages", timed(args.runs, lambda i: patient.messages(created[0], limit=20))))
        rows.append(("messaging GET /session", timed(args.runs, lambda i: patient.session())))
        rows.append(("calling POST meeting", timed(args.runs, lambda i: doctor.start_meeting(created[i]))))
        rows.append(("calling POST meeting/join", timed(args.runs, lambda i: patient.join_meeting(created[i]))))
        rows.append(("calling DELETE meeting", timed(args.runs, lambda i: doctor.end_meeting(created[i]))))
        rows.append(("scheduling DELETE /appointments/{id}", timed(args.runs, lambda i: doctor.cancel_appointment(created[i]))))
        live = doctor.create_appointment(patient_user.user_id, start + timedelta(days=1)).appointment_id
        delivery = websocket_delivery(stack, doctor, patient, live, args.runs)

    print(f"latency through the local stack, {args.runs} calls per action (ms)")
    print(f"{'action':<40}{'median':>9}{'p95':>9}")
    for name, samples in rows:
        print(f"{name:<40}{statistics.median(samples):>9.1f}{percentile(samples, 0.95):>9.1f}")
    print(f"{'websocket delivery (send -> receipt)':<40}{statistics.median(delivery):>9.1f}{percentile(delivery, 0.95):>9.1f}")
    print(f"local stack start-up (endpoint + 4 services healthy): {startup:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
