#!/usr/bin/env python3
"""Counts the AWS calls each scheduling action makes, on a local stack, and prints them next to
what the reference system needs for the same action (figures, no assertions).

    .venv/bin/python scripts/bench/aws_calls_scheduling.py
"""
from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from service_bench import bench_service

REFERENCE = {
    "create": "8 (Cognito look-ups, CreateChannel, channel flow, members and moderators, StartExecution, "
              "UpdateChannel writing the execution ARN back)",
    "create (same Idempotency-Key again)": "n/a (no idempotency: a second appointment, 8 more calls)",
    "list (one page)": "1 (ListChannelsModeratedByAppInstanceUser; the UI reads the channel metadata)",
    "list (one page, status filter)": "n/a (no status)",
    "get": "n/a (read from the channel list)",
    "move (new time)": "n/a (no rescheduling)",
    "edit reason": "n/a (no rescheduling)",
    "cancel": "3 (DescribeChannel, DeleteChannel, StopExecution; deletes the chat history)",
    "cancel (already cancelled)": "n/a",
    "invite guest (SMS)": "n/a (no guests)",
    "list guests": "n/a (no guests)",
    "revoke guest": "n/a (no guests)",
    "complete (meeting active)": "n/a (no outcome; the meeting times out)",
    "no-show (doctor, no meeting)": "n/a (no outcome)",
    "no-show timer (patient never came)": "n/a (no outcome)",
    "cancel (meeting active)": "n/a (cancelling leaves the meeting running)",
    "reminder Lambda (both texted)": "DescribeChannel, then an SMS per participant still Added",
    "reminder Lambda (retried)": "n/a (no record of what was sent: texts again)",
}


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


# Counts before the audit trail and the trust changes of 2026-12-01 (issue 12), and why they moved.
PREVIOUS = {
    'create': (4, '+1 Idempotency-Key claim (UpdateItem), +1 audit PutItem; CreateChannel and StartExecution side by side: 5 sequential round trips'),
    'create (same Idempotency-Key again)': (3, "the claim's UpdateItem replaces AdminGetUser and CreateChannel; +1 audit PutItem"),
    'list (one page)': (1, '+1 audit PutItem'),
    'list (one page, status filter)': (1, '+1 audit PutItem'),
    'get': (1, '+1 audit PutItem'),
    'move (new time)': (5, '+1 audit PutItem'),
    'edit reason': (2, '+1 audit PutItem'),
    'reminder Lambda (both texted)': (5, '+1 audit PutItem'),
    'reminder Lambda (retried)': (1, '+1 audit PutItem'),
    'cancel': (4, '+1 audit PutItem'),
    'cancel (already cancelled)': (1, '+1 audit PutItem'),
}


def main() -> int:
    from telehealth_shared import aws, config

    with bench_service("scheduling", REFERENCE) as bench:
        from chalicelib.send_reminder import send_reminder

        stack, settings, doctor, patient = bench.stack, bench.settings, bench.doctor, bench.patient
        call, measure = bench.call, bench.measure
        starts = (datetime.now(timezone.utc) + timedelta(days=3)).replace(microsecond=0)
        # Warm the token verifier's key set so its JWKS fetch (not an AWS call) is not counted.
        call("GET", "/appointments?limit=1", doctor)

        key = str(uuid.uuid4())
        body = {"patient_id": patient.user_id, "starts_at": _iso(starts), "reason": "Benchmark"}
        _, created = measure("create", lambda: call("POST", "/appointments", doctor, body, {"Idempotency-Key": key}))
        measure("create (same Idempotency-Key again)",
                lambda: call("POST", "/appointments", doctor, body, {"Idempotency-Key": key}))
        for day in range(1, 4):
            call("POST", "/appointments", doctor, {**body, "starts_at": _iso(starts + timedelta(days=day))})
        path = f"/appointments/{created['appointment_id']}"
        measure("list (one page)", lambda: call("GET", "/appointments?limit=2", patient))
        measure("list (one page, status filter)", lambda: call("GET", "/appointments?limit=2&status=scheduled", doctor))
        measure("get", lambda: call("GET", path, patient))
        measure("move (new time)", lambda: call("PATCH", path, doctor, {"starts_at": _iso(starts + timedelta(hours=2))}))
        measure("edit reason", lambda: call("PATCH", path, doctor, {"reason": "Edited"}))

        item = stack.client("dynamodb").get_item(
            TableName=settings["TELEHEALTH_APPOINTMENTS_TABLE"],
            Key={"appointment_id": {"S": created["appointment_id"]}})["Item"]
        # What the running execution will send at the start: it was started by the move, at
        # the version before the reason edit bumped it.
        event = {"appointment_id": created["appointment_id"], "version": int(item["version"]["N"]) - 1,
                 "remind_at": item["starts_at"]["S"], "lead_minutes": 0,
                 "execution_arn": item["reminder_execution_arn"]["S"]}

        def remind() -> tuple[str, Any]:
            # Invoked at its time, as its execution would (the Lambda refuses to act early).
            at = datetime.fromisoformat(event["remind_at"].replace("Z", "+00:00"))
            result = send_reminder(aws.default_clients(), config.get_settings(), event, now=at)
            return "sent " + "+".join(result["sent"] or ["none"]), result

        measure("reminder Lambda (both texted)", remind)
        measure("reminder Lambda (retried)", remind)
        measure("cancel", lambda: call("DELETE", path, patient))
        measure("cancel (already cancelled)", lambda: call("DELETE", path, doctor))

        def book(days: int) -> str:
            return call("POST", "/appointments", doctor, {**body, "starts_at": _iso(starts + timedelta(days=days))})[1][
                "appointment_id"]

        def with_meeting(appointment_id: str) -> None:
            meeting = stack.client("chime-sdk-meetings").create_meeting(
                ClientRequestToken=appointment_id, MediaRegion="us-east-1", ExternalMeetingId=appointment_id)["Meeting"]
            stack.client("dynamodb").update_item(
                TableName=settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": appointment_id}},
                UpdateExpression="SET meeting_id = :m, meeting = :j",
                ExpressionAttributeValues={":m": {"S": meeting["MeetingId"]}, ":j": {"S": json.dumps(meeting)}})

        def in_the_past(appointment_id: str) -> None:
            stack.client("dynamodb").update_item(
                TableName=settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": appointment_id}},
                UpdateExpression="SET starts_at = :s",
                ExpressionAttributeValues={":s": {"S": _iso(datetime.now(timezone.utc) - timedelta(minutes=20))}})

        visit = book(10)
        guests = f"/appointments/{visit}/guests"
        _, guest = measure("invite guest (SMS)", lambda: call("POST", guests, doctor, {
            "name": "Ines Bench", "kind": "interpreter", "phone_number": "+14155550177"}))
        measure("list guests", lambda: call("GET", guests, patient))
        measure("revoke guest", lambda: call("DELETE", f"{guests}/{guest['guest_id']}", doctor))
        with_meeting(visit)
        measure("complete (meeting active)", lambda: call("POST", f"/appointments/{visit}/complete", doctor))
        absent = book(11)
        in_the_past(absent)
        measure("no-show (doctor, no meeting)", lambda: call("POST", f"/appointments/{absent}/no-show", doctor))
        timed = book(12)
        from chalicelib.no_show_timer import handle_no_show

        stored = stack.client("dynamodb").get_item(
            TableName=settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": timed}})["Item"]
        timer_event = {"step": "no_show", "appointment_id": timed, "version": 1,
                       "no_show_at": _iso(datetime.now(timezone.utc) - timedelta(minutes=1)),
                       "execution_arn": stored["reminder_execution_arn"]["S"]}

        def timer() -> tuple[str, Any]:
            result = handle_no_show(aws.default_clients(), config.get_settings(), timer_event)
            return result["no_show"], result

        measure("no-show timer (patient never came)", timer)
        cancelled = book(13)
        with_meeting(cancelled)
        measure("cancel (meeting active)", lambda: call("DELETE", f"/appointments/{cancelled}", patient))

        bench.print_table(PREVIOUS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
