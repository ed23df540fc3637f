#!/usr/bin/env python3
"""Load run: N concurrent whole visits against a local stack, then the same with faults injected.

Each visit: both sign in, the doctor books, both check in, both chat, the doctor starts the
meeting, the patient joins, the doctor admits, the doctor completes. Loopback only, bounded in
count and time. Prints throughput, p50/p95/p99 per action and the errors ("concurrent visits"),
then, with a share of AWS calls throttled or failing and one Lambda worker killed mid-run, the
answers by status and a sweep for half-done state ("faults survived"). Figures, no assertions.

    .venv/bin/python scripts/bench/load_visits.py --visits 50
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests
from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "harness"))

from stack_fixture import start_stack  # noqa: E402
from users import make_user  # noqa: E402

CLEAN_FAILURES = {429, 503}
RUN_TIMEOUT = 300.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


@dataclass
class Outcomes:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    unclean: list[str] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, status: int, ms: float) -> None:
        with self.lock:
            self.latencies[action].append(ms)
            self.statuses[status] += 1


class VisitAbandoned(Exception):
    """A step answered a clean 429/503; the visit stops there, as a client would give up."""


class Visit:
    def __init__(self, stack: Any, doctor: Any, patient: Any, outcomes: Outcomes, faults: bool):
        self.urls = {s: stack.url(s) for s in SERVICES}
        self.doctor, self.patient = doctor, patient
        self.outcomes, self.faults = outcomes, faults
        self.http = requests.Session()
        self.tokens: dict[str, str] = {}

    def call(self, action: str, service: str, method: str, path: str, who: Any = None, body: Any = None,
             headers: dict[str, str] | None = None, ok: tuple[int, ...] = (200, 201, 202)) -> Any:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if who is not None:
            all_headers["Authorization"] = f"Bearer {self.tokens[who.user_id]}"
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.urls[service] + path, headers=all_headers,
                                         data=json.dumps(body) if body is not None else None, timeout=60)
        except requests.RequestException as exc:
            with self.outcomes.lock:
                self.outcomes.unclean.append(f"{action}: no answer ({type(exc).__name__})")
                self.outcomes.statuses[0] += 1
            raise VisitAbandoned(action) from None
        self.outcomes.record(action, response.status_code, (time.perf_counter() - started) * 1000)
        if response.status_code in ok:
            return response.json() if response.content else None
        if response.status_code in CLEAN_FAILURES and response.json().get("error", {}).get("code") in (
                "TooManyRequests", "Unavailable"):
            raise VisitAbandoned(action)
        with self.outcomes.lock:
            self.outcomes.unclean.append(f"{action}: {response.status_code} {response.text[:200]}")
        raise VisitAbandoned(action)

    def sign_in(self, user: Any) -> None:
        tokens = self.call("sign in", "identity", "POST", "/signin", body={"email": user.email, "password": user.password})
        self.tokens[user.user_id] = tokens["id_token"]

    def run(self) -> None:
        try:
            self.sign_in(self.doctor)
            self.sign_in(self.patient)
            starts = (datetime.now(timezone.utc) + timedelta(seconds=45)).strftime("%Y-%m-%dT%H:%M:%SZ")
            key = str(uuid.uuid4())
            booking = {"patient_id": self.patient.user_id, "starts_at": starts, "duration_minutes": 20}
            appointment = self._book(booking, key)
            path = f"/appointments/{appointment['appointment_id']}"
            with self.outcomes.lock:
                self.outcomes.appointments.append(appointment)
            self.call("check in", "messaging", "POST", f"{path}/check-in", self.doctor)
            self.call("check in", "messaging", "POST", f"{path}/check-in", self.patient)
            self.call("chat", "messaging", "POST", f"{path}/messages", self.doctor, {"content": "Hello, how are you?"})
            self.call("chat", "messaging", "POST", f"{path}/messages", self.patient, {"content": "Better, thanks."})
            self.call("start meeting", "calling", "POST", f"{path}/meeting", self.doctor, {})
            self.call("join meeting", "calling", "POST", f"{path}/meeting/join", self.patient)
            self.call("admit", "calling", "POST", f"{path}/meeting/admit", self.doctor, {})
            self.call("complete", "scheduling", "POST", f"{path}/complete", self.doctor)
        except VisitAbandoned:
            pass

    def _book(self, booking: dict[str, Any], key: str) -> Any:
        # A booking that answered 503 may be retried with its key: the API promises the same
        # appointment or nothing, which is what the sweep checks.
        attempts = 3 if self.faults else 1
        for attempt in range(attempts):
            try:
                return self.call("book", "scheduling", "POST", "/appointments", self.doctor, booking,
                                 {"Idempotency-Key": key})
            except VisitAbandoned:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2)
        raise VisitAbandoned("book")


def run_visits(stack: Any, people: list[tuple[Any, Any]], faults: bool, kill_worker: bool) -> tuple[Outcomes, float]:
    outcomes = Outcomes()
    visits = [Visit(stack, doctor, patient, outcomes, faults) for doctor, patient in people]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(visits)) as pool:
        futures = [pool.submit(visit.run) for visit in visits]
        if kill_worker:
            time.sleep(1.0)
            _kill_one_worker(stack)
        deadline = time.monotonic() + RUN_TIMEOUT
        for future in futures:
            future.result(timeout=max(1.0, deadline - time.monotonic()))
    return outcomes, time.perf_counter() - started


def _kill_one_worker(stack: Any) -> None:
    workers = stack.control("GET", "lambda/workers").json()["workers"]
    # The scheduling worker runs the reminders and no-shows that fall due during the run.
    pids = [pid for service in ("scheduling", *sorted(workers)) for pid in workers.get(service, [])]
    if pids:
        os.kill(pids[0], signal.SIGKILL)
        print(f"killed Lambda worker {pids[0]} mid-run")


def print_run(title: str, outcomes: Outcomes, seconds: float, visits: int) -> None:
    requests_made = sum(outcomes.statuses.values())
    completed = outcomes.latencies.get("complete", [])
    print(f"\n{title}: {visits} visits in {seconds:.1f} s, {requests_made} requests "
          f"({requests_made / seconds:.0f} req/s), {len(completed) / seconds * 3600:.0f} visits/hour")
    print(f"{'action':<14}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for action, samples in outcomes.latencies.items():
        print(f"{action:<14}{len(samples):>5}{percentile(samples, .5):>9.1f}{percentile(samples, .95):>9.1f}"
              f"{percentile(samples, .99):>9.1f}")
    print("answers by status: " + ", ".join(f"{status}×{n}" for status, n in sorted(outcomes.statuses.items())))


def sweep(stack: Any, outcomes: Outcomes) -> Counter:
    """Half-done state left anywhere: items without their channel, members or execution,
    channels or executions without an item, completed visits whose meeting is still live,
    check-ins that were answered but not stored."""
    settings = stack.settings
    dynamodb = stack.client("dynamodb")
    messaging = stack.client("chime-sdk-messaging")
    meetings = stack.client("chime-sdk-meetings")
    sfn = stack.client("stepfunctions")
    admin = settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"]
    problems: Counter = Counter()
    items = [item for page in dynamodb.get_paginator("scan").paginate(TableName=settings["TELEHEALTH_APPOINTMENTS_TABLE"])
             for item in page["Items"] if "doctor_id" in item and "patient_id" in item]
    channel_arns = {f"{settings['TELEHEALTH_APP_INSTANCE_ARN']}/channel/{item['appointment_id']['S']}" for item in items}
    execution_arns = {item["reminder_execution_arn"]["S"] for item in items if "reminder_execution_arn" in item}
    for item in items:
        channel = f"{settings['TELEHEALTH_APP_INSTANCE_ARN']}/channel/{item['appointment_id']['S']}"
        try:
            members = {m["Member"]["Arn"].rsplit("/", 1)[-1] for page in _pages(
                messaging.list_channel_memberships, "ChannelMemberships", ChannelArn=channel, ChimeBearer=admin)
                for m in page}
            if not {item["doctor_id"]["S"], item["patient_id"]["S"]} <= members:
                problems["channel without both participants"] += 1
        except messaging.exceptions.NotFoundException:
            problems["appointment without channel"] += 1
        if "reminder_execution_arn" not in item:
            problems["appointment without reminder execution"] += 1
        status = item.get("status", {}).get("S")
        if status == "completed" and item.get("meeting_id", {}).get("S"):
            try:
                meetings.get_meeting(MeetingId=item["meeting_id"]["S"])
                problems["completed visit with a live meeting"] += 1
            except meetings.exceptions.NotFoundException:
                pass
    for page in _pages(messaging.list_channels, "Channels", AppInstanceArn=settings["TELEHEALTH_APP_INSTANCE_ARN"],
                       ChimeBearer=admin):
        for channel in page:
            if channel["ChannelArn"] not in channel_arns:
                problems["channel without appointment"] += 1
    # A visit that closed stops its execution; moto ends a Map stopped mid-Wait as FAILED rather
    # than ABORTED (docs/local-stack.md), so only an open visit's failed execution is a failure.
    open_executions = {item["reminder_execution_arn"]["S"] for item in items if "reminder_execution_arn" in item
                       and item.get("status", {}).get("S") in ("scheduled", "in_progress")}
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=settings["TELEHEALTH_STATE_MACHINE_ARN"]):
        for execution in page["executions"]:
            # A rolled-back booking stops its execution; only one still running is left over.
            if execution["executionArn"] not in execution_arns and execution["status"] == "RUNNING":
                problems["reminder execution running without appointment"] += 1
            if execution["status"] in ("FAILED", "TIMED_OUT") and execution["executionArn"] in open_executions:
                problems[f"reminder execution {execution['status']}"] += 1
    return problems


def _pages(operation: Any, key: str, **params: Any) -> Any:
    """Each page's `key` list of a NextToken-paginated Chime operation (boto3 has no paginator)."""
    token = None
    while True:
        response = operation(**params, **({"NextToken": token} if token else {}))
        yield response.get(key, [])
        token = response.get("NextToken")
        if not token:
            return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=50)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    args = parser.parse_args()
    visits = max(1, min(args.visits, 200))  # bounded: loopback only, and this machine's size
    with start_stack(services=SERVICES) as stack:
        people = [(make_user(stack.settings, "doctor", f"Dr Load {i}"), make_user(stack.settings, "patient", f"Pat Load {i}"))
                  for i in range(2 * visits)]
        clean, faulted = people[:visits], people[visits:]

        outcomes, seconds = run_visits(stack, clean, faults=False, kill_worker=False)
        print_run("concurrent visits", outcomes, seconds, visits)
        errors = sum(n for status, n in outcomes.statuses.items() if status >= 400)
        lost = _lost_check_ins(stack, outcomes)
        print(f"concurrent visits: {errors} errors, {lost} lost updates"
              + (f"; first: {outcomes.unclean[0]}" if outcomes.unclean else ""))

        stack.control("POST", "faults", json={"rate": args.fault_rate, "seed": 2026})
        try:
            outcomes, seconds = run_visits(stack, faulted, faults=True, kill_worker=True)
        finally:
            injected = stack.control("GET", "faults").json()["injected"]
            stack.control("DELETE", "faults")
        print_run(f"with faults ({args.fault_rate:.0%} of AWS calls, {sum(injected.values())} injected)", outcomes, seconds, visits)
        time.sleep(50)  # let the reminder executions of both runs reach their start time and finish
        problems = sweep(stack, outcomes)
        unclean = len(outcomes.unclean)
        print(f"faults survived: {sum(outcomes.statuses.values())} answers, {unclean} not a success or a clean "
              f"429/503, {sum(problems.values())} half-done: " + (", ".join(f"{k} {v}" for k, v in problems.items()) or "none"))
        for line in outcomes.unclean[:5]:
            print("  unclean:", line)
    return 0


def _lost_check_ins(stack: Any, outcomes: Outcomes) -> int:
    dynamodb = stack.client("dynamodb")
    lost = 0
    for appointment in outcomes.appointments:
        item = dynamodb.get_item(TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"],
                                 Key={"appointment_id": {"S": appointment["appointment_id"]}})["Item"]
        presence = {key: item.get(f"presence_{key}", {}).get("S") for key in ("doctor", "patient")}
        lost += sum(1 for value in presence.values() if value != "checked_in")
    return lost


if __name__ == "__main__":
    sys.exit(main())
