#!/usr/bin/env python3
"""Cost per visit: the AWS usage of whole visits on a local stack, priced from prices.json.

Runs a few whole visits (the load run's flow), reads what the endpoint served
(`/_local/traffic`), the reminder executions' state transitions and the SMS outbox, adds the
meeting's attendee-minutes for a 20-minute visit, and prints the bill beside the reference
system's flow for the same visit (line: "cost per visit"). Figures, no assertions.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "harness"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_visits import SERVICES, Outcomes, Visit  # noqa: E402
from stack_fixture import start_stack  # noqa: E402
from users import make_user  # noqa: E402

VISIT_MINUTES = 20
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
READS = ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems")

# The reference system for the same visit, from its documented flow (docs/performance.md):
# create 8 calls, each check-in a channel message through a channel-flow processor Lambda that
# reads and rewrites the channel (4 calls + 1 invocation), each chat message also through the
# flow (1 call + 1 invocation), meeting 4 + join 4 calls from Lambdas the browser invokes, and
# a Wait + Task state machine (3 transitions). No audit, no idempotency, no completion.
REFERENCE = {"api_requests": 0, "lambda_invocations": 2 + 2 + 2 + 2 + 1, "lambda_seconds": 9 * 0.15,
             "dynamodb_writes": 0, "dynamodb_reads": 0, "transitions": 3, "messages": 2 + 2 + 1, "texts": 0}


def usage(stack: Any, outcomes: Outcomes, visits: int) -> dict[str, float]:
    calls = stack.control("GET", "traffic").json()["calls"]
    ops = Counter()
    for name, count in calls.items():
        service, operation = name.split(":", 1)
        ops[(service, operation)] += count
    sfn = stack.client("stepfunctions")
    transitions = 0
    executions = [e for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=stack.settings["TELEHEALTH_STATE_MACHINE_ARN"]) for e in page["executions"]]
    for execution in executions:
        history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
        transitions += sum(1 for event in history if event["type"].endswith("StateEntered"))
    requests_made = sum(outcomes.statuses.values())
    api_seconds = sum(sum(samples) for samples in outcomes.latencies.values()) / 1000
    per = 1 / visits
    return {
        "api_requests": requests_made * per,
        "lambda_invocations": (requests_made + len(executions)) * per,
        "lambda_seconds": api_seconds * per,
        "dynamodb_writes": sum(n for (s, op), n in ops.items() if s == "dynamodb" and op in WRITES) * per,
        "dynamodb_reads": sum(n for (s, op), n in ops.items() if s == "dynamodb" and op in READS) * per,
        "transitions": transitions * per,
        "messages": sum(n for (s, op), n in ops.items() if s == "chime" and op == "POST /channels/*/messages") * per,
        "texts": len(stack.sms()) * per,
        "aws_calls": sum(calls.values()) * per,
    }


def bill(use: dict[str, float], prices: dict[str, Any]) -> dict[str, float]:
    p = {name: entry["price"] for name, entry in prices["prices_usd"].items()}
    memory = prices["memory_gb"]["api"]
    return {
        "API Gateway": use["api_requests"] * p["api_gateway_rest_request"],
        "Lambda": use["lambda_invocations"] * p["lambda_request"] + use["lambda_seconds"] * memory * p["lambda_gb_second"],
        "DynamoDB": use["dynamodb_writes"] * p["dynamodb_write_request_unit"] + use["dynamodb_reads"] * p["dynamodb_read_request_unit"],
        "Step Functions": use["transitions"] * p["step_functions_state_transition"],
        "Chime messaging": use["messages"] * p["chime_message"],
        "Chime meetings": 2 * VISIT_MINUTES * p["chime_meeting_attendee_minute"],
        "SMS": use["texts"] * p["sms_us"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=5)
    args = parser.parse_args()
    prices = json.loads((Path(__file__).resolve().parent / "prices.json").read_text())
    visits = max(1, min(args.visits, 20))
    with start_stack(services=SERVICES) as stack:
        people = [(make_user(stack.settings, "doctor", f"Dr Cost {i}"), make_user(stack.settings, "patient", f"Pat Cost {i}"))
                  for i in range(visits)]
        stack.control("DELETE", "traffic")
        stack.clear_outbox()
        outcomes = Outcomes()
        for doctor, patient in people:
            Visit(stack, doctor, patient, outcomes, faults=False).run()
        time.sleep(50)  # the reminder executions reach their start time (both checked in: no texts)
        use = usage(stack, outcomes, visits)
    ours, reference = bill(use, prices), bill({**REFERENCE, "aws_calls": 0}, prices)
    print(f"prices: {prices['region']}, as of {prices['as_of']} (scripts/bench/prices.json)")
    print(f"usage per visit: {use['aws_calls']:.1f} AWS calls, {use['api_requests']:.1f} API requests, "
          f"{use['lambda_invocations']:.1f} invocations ({use['lambda_seconds'] * 1000:.0f} ms), "
          f"{use['dynamodb_writes']:.1f} DynamoDB writes / {use['dynamodb_reads']:.1f} reads, "
          f"{use['transitions']:.1f} state transitions, {use['messages']:.1f} channel messages, {use['texts']:.1f} texts, "
          f"{2 * VISIT_MINUTES} attendee-minutes")
    print(f"{'item':<18}{'ours $':>12}{'reference $':>14}")
    for item in ours:
        print(f"{item:<18}{ours[item]:>12.6f}{reference[item]:>14.6f}")
    print(f"cost per visit: ${sum(ours.values()):.4f} (reference system's flow ${sum(reference.values()):.4f}); "
          f"meetings are {ours['Chime meetings'] / sum(ours.values()):.0%} of it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
