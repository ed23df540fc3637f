#!/usr/bin/env python3
"""Counts the AWS calls each calling action makes, on a local stack, and prints them next to
what the reference system does for the same action (figures, no assertions).

    .venv/bin/python scripts/bench/aws_calls_calling.py

HTTP actions go through the calling app in this process; the SIP media application handler
is also run in this process with events for a real, recorded call, so its calls are counted
too (the stack's own Lambda worker only sees the simulator's NEW_OUTBOUND_CALL and RINGING,
as the simulated phone is never answered). Reference figures come from
the reference system's description (join = 4); those for the SIP media application
handler are read from its description there, not measured.
"""
from __future__ import annotations

import os
import sys
from typing import Any

from service_bench import ROOT, bench_service
from telehealth_local.layout import ACCOUNT_ID

REFERENCE = {
    "start": "4: two membership checks, CreateMeetingWithAttendees, SendChannelMessage (invite)",
    "start (reuse)": "n/a (always creates a new meeting)",
    "join (patient)": "4: two membership checks, GetMeeting, CreateAttendee (+ accept message from the browser)",
    "join (doctor)": "n/a (the doctor's attendee comes with the meeting)",
    "get meeting": "n/a",
    "decline": "1 from the browser (SendChannelMessage)",
    "end": "n/a (no server-side end; the meeting times out)",
    "phone call": "2 (CreateSipMediaApplicationCall, PutItem; the meeting is made beforehand)",
    "phone call (new meeting)": "n/a (meeting made by a separate request first)",
    "admit (everyone waiting)": "n/a (no waiting room)",
    "admit (one)": "n/a (no waiting room)",
    "attendees": "n/a (no host controls)",
    "mute": "n/a (no host controls)",
    "remove attendee": "n/a (no host controls)",
    "guest join": "n/a (no guests)",
    "SMA: answered": "1 (GetItem) then Pause + SpeakAndGetDigits",
    "SMA: pressed 1": "4 (GetItem, SendChannelMessage, CreateAttendee, UpdateItem)",
    "SMA: hang-up after joining": "3 (GetItem, DeleteAttendee, DeleteItem)",
    "SMA: hang-up before joining": "3 (GetItem, SendChannelMessage, DeleteItem)",
}


def _event(event_type: str, transaction_id: str, action_data: dict[str, Any] | None = None) -> dict[str, Any]:
    participant = {"CallId": "bench-call", "ParticipantTag": "LEG-A", "To": "+14155550100", "From": "+12025550100",
                   "Direction": "Outbound", "StartTimeInMilliseconds": "1700000000000", "Status": "Connected"}
    event: dict[str, Any] = {"SchemaVersion": "1.0", "Sequence": 1, "InvocationEventType": event_type,
                             "CallDetails": {"TransactionId": transaction_id, "AwsAccountId": ACCOUNT_ID,
                                             "AwsRegion": "us-east-1",
                                             # The deployment's own: the handler refuses any other.
                                             "SipMediaApplicationId": os.environ["TELEHEALTH_SIP_MEDIA_APPLICATION_ID"],
                                             "Participants": [participant]}}
    if action_data is not None:
        event["ActionData"] = action_data
    return event


def _hangup(transaction_id: str) -> dict[str, Any]:
    return _event("HANGUP", transaction_id, {"Type": "Hangup", "Parameters": {
        "SipResponseCode": 0, "CallId": "bench-call", "ParticipantTag": "LEG-A"}})


def _pressed_1(transaction_id: str) -> dict[str, Any]:
    return _event("ACTION_SUCCESSFUL", transaction_id, {
        "Type": "SpeakAndGetDigits", "Parameters": {"CallId": "bench-call"}, "ReceivedDigits": "1"})


# Counts before the audit trail and the trust changes of 2026-12-01 (issue 12), and why they moved.
PREVIOUS = {
    'start': (4, '+1 audit PutItem'),
    'start (reuse)': (3, '+1 audit PutItem'),
    'join (patient)': (2, '+1 audit PutItem'),
    'join (doctor)': (1, '+1 audit PutItem'),
    'get meeting': (1, '+1 audit PutItem'),
    'decline': (2, '+1 audit PutItem'),
    'phone call': (5, '+1 call-limit slot (UpdateItem), +1 audit PutItem'),
    'end': (4, '+1 audit PutItem'),
    'phone call (new meeting)': (7, '+1 call-limit slot (UpdateItem), +1 audit PutItem'),
    'SMA: answered': (2, ''),
    'SMA: pressed 1': (5, '+1 audit PutItem'),
    'SMA: hang-up after joining': (3, ''),
    'SMA: hang-up before joining': (4, '+1 audit PutItem'),
}


def _seed_guest(stack: Any, appointment_id: str) -> str:
    """A guest invited as scheduling does (the visit starts within the code's window)."""
    from datetime import datetime, timedelta, timezone

    from telehealth_shared import guest_records
    from telehealth_shared.models.common import format_utc

    code, guest_id = guest_records.new_code(), "be" * 16
    table = stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"]
    dynamodb = stack.client("dynamodb")
    dynamodb.update_item(
        TableName=table, Key={"appointment_id": {"S": appointment_id}},
        UpdateExpression="SET #g = :g, starts_at = :s",
        ExpressionAttributeNames={"#g": guest_records.guest_attribute(guest_id)},
        ExpressionAttributeValues={":g": {"M": {"name": {"S": "Ines Bench"}, "kind": {"S": "interpreter"},
                                                "status": {"S": "invited"}}},
                                   ":s": {"S": format_utc(datetime.now(timezone.utc) + timedelta(minutes=5))}})
    dynamodb.put_item(TableName=table, Item={"appointment_id": {"S": guest_records.code_key(code)},
                                             "for_appointment": {"S": appointment_id}, "guest_id": {"S": guest_id}})
    return code


def main() -> int:
    # As in the calling tests: keep Lambda workers on the source, not a stale vendored copy.
    with bench_service("calling", REFERENCE, env={"PYTHONPATH": str(ROOT / "shared")}) as bench:
        stack, doctor, patient, call, measure = bench.stack, bench.doctor, bench.patient, bench.call, bench.measure
        record = bench.seed_appointment()
        phone_record = bench.seed_appointment()
        base = f"/appointments/{record.appointment_id}"
        # Warm the token verifier's key set so its JWKS fetch (not an AWS call) is not counted.
        call("GET", f"{base}/meeting", doctor)

        measure("start", lambda: call("POST", f"{base}/meeting", doctor))
        measure("start (reuse)", lambda: call("POST", f"{base}/meeting", doctor))
        measure("join (patient)", lambda: call("POST", f"{base}/meeting/join", patient))
        measure("join (doctor)", lambda: call("POST", f"{base}/meeting/join", doctor))
        measure("get meeting", lambda: call("GET", f"{base}/meeting", patient))
        measure("decline", lambda: call("POST", f"{base}/meeting/decline", patient))
        measure("admit (everyone waiting)", lambda: call("POST", f"{base}/meeting/admit", doctor))
        _, listed = measure("attendees", lambda: call("GET", f"{base}/meeting/attendees", doctor))
        patient_attendee = next(a["attendee_id"] for a in listed["attendees"] if a["role"] == "patient")
        measure("mute", lambda: call("POST", f"{base}/meeting/attendees/{patient_attendee}/mute", doctor,
                                     {"muted": True}))
        code = _seed_guest(stack, record.appointment_id)
        _, guest = measure("guest join", lambda: call("POST", "/guest/join", None, {"code": code}))
        guest_attendee = guest["attendee"]["AttendeeId"]
        measure("admit (one)", lambda: call("POST", f"{base}/meeting/admit", doctor,
                                            {"attendee_id": guest_attendee}))
        measure("remove attendee", lambda: call("DELETE", f"{base}/meeting/attendees/{guest_attendee}", doctor))
        measure("phone call", lambda: call("POST", f"{base}/phone-call", doctor))
        measure("end", lambda: call("DELETE", f"{base}/meeting", doctor))
        _, second = measure("phone call (new meeting)",
                            lambda: call("POST", f"/appointments/{phone_record.appointment_id}/phone-call", doctor))

        # A call the visit leaves alone, for the patient who hangs up before pressing 1: the first
        # call was ended by "end" above, whose asynchronous hang-up would race the event.
        _, third = call("POST", f"/appointments/{phone_record.appointment_id}/phone-call", doctor)

        handler = bench.app.sma_handler
        tid = second["transaction_id"]
        measure("SMA: answered", lambda: handler(_event("CALL_ANSWERED", tid), None))
        measure("SMA: pressed 1", lambda: handler(_pressed_1(tid), None))
        measure("SMA: hang-up after joining", lambda: handler(_hangup(tid), None))
        measure("SMA: hang-up before joining", lambda: handler(_hangup(third["transaction_id"]), None))

        bench.print_table(PREVIOUS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
