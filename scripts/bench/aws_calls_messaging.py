#!/usr/bin/env python3
"""Counts the AWS calls each messaging action makes, on a local stack, and prints them next to
what the reference system needs for the same action (figures, no assertions).

    .venv/bin/python scripts/bench/aws_calls_messaging.py
"""
from __future__ import annotations

import json
import os
import sys
import uuid

from service_bench import bench_service
from telehealth_local.layout import ACCOUNT_ID

REFERENCE = {
    "check-in": "4 calls + 1 extra Lambda invocation (SendChannelMessage, channel-flow processor: "
                "DescribeChannel, UpdateChannel, ChannelFlowCallback)",
    "check-in (already checked in)": "SendChannelMessage + 1 Lambda invocation (DescribeChannel; the processor "
                                     "drops the duplicate)",
    "check-out": "n/a (no check-out)",
    "presence": "n/a (the browser reads channel metadata from its channel list)",
    "send message": "1 call from the browser (SendChannelMessage), plus the channel-flow processor",
    "history page (limit 50)": "1 call from the browser (ListChannelMessages)",
    "history page (limit 100)": "n/a (Chime pages hold at most 50)",
    "waiting room": "n/a (no waiting room; the doctor's UI reads channel metadata from its channel list)",
    "session (first in process)": "1 call from the browser (GetMessagingSessionEndpoint, on every connect)",
    "session": "1 call from the browser (GetMessagingSessionEndpoint, on every connect)",
    "session (with session role)": "n/a (browser signs with its own Cognito identity-pool credentials)",
}


# Counts before the audit trail and the trust changes of 2026-12-01 (issue 12), and why they moved.
PREVIOUS = {
    'check-in': (2, '+1 audit PutItem'),
    'check-in (already checked in)': (1, '+1 audit PutItem'),
    'check-out': (2, '+1 audit PutItem'),
    'presence': (1, '+1 audit PutItem'),
    'send message': (2, '+1 audit PutItem'),
    'history page (limit 50)': (2, '+1 audit PutItem'),
    'history page (limit 100)': (3, '+1 audit PutItem'),
    'session (first in process)': (1, '+1 audit PutItem'),
    'session': (0, '+1 audit PutItem'),
    'session (with session role)': (1, '+1 audit PutItem'),
}


def main() -> int:
    from telehealth_shared import config

    with bench_service("messaging", REFERENCE) as bench:
        doctor, patient, call = bench.doctor, bench.patient, bench.call
        record = bench.seed_appointment()
        base = f"/appointments/{record.appointment_id}"
        seed = bench.stack.client("chime-sdk-messaging")
        for index in range(60):
            seed.send_channel_message(ChannelArn=record.channel_arn, Content=f"seed {index}", Type="STANDARD",
                                      Persistence="PERSISTENT", Metadata=json.dumps({"kind": "chat"}),
                                      ClientRequestToken=str(uuid.uuid4()), ChimeBearer=doctor.app_instance_user_arn)
        # Warm the token verifier's key set so its JWKS fetch (not an AWS call) is not counted.
        call("GET", f"{base}/presence", patient)

        measure = bench.measure
        measure("check-in", lambda: call("POST", f"{base}/check-in", patient))
        measure("check-in (already checked in)", lambda: call("POST", f"{base}/check-in", patient))
        measure("check-out", lambda: call("POST", f"{base}/check-out", patient))
        measure("presence", lambda: call("GET", f"{base}/presence", doctor))
        measure("send message", lambda: call("POST", f"{base}/messages", patient, {"content": "Hello"}))
        measure("history page (limit 50)", lambda: call("GET", f"{base}/messages?limit=50", doctor))
        measure("history page (limit 100)", lambda: call("GET", f"{base}/messages?limit=100", doctor))
        measure("waiting room", lambda: call("GET", "/waiting-room", doctor))
        measure("session (first in process)", lambda: call("GET", "/session", patient))
        measure("session", lambda: call("GET", "/session", doctor))
        role_arn = bench.stack.client("iam").create_role(
            RoleName="telehealth-bench-sessions",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        from chalicelib.session_url import SESSION_ROLE_ENV

        # Restored with the rest of the environment when the stack's settings are unapplied.
        os.environ[SESSION_ROLE_ENV] = role_arn
        config.get_settings.cache_clear()
        measure("session (with session role)", lambda: call("GET", "/session", patient))
        bench.print_table(PREVIOUS)
    return 0

if __name__ == "__main__":
    sys.exit(main())
