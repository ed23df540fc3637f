"""Runs last in the end-to-end suite (conftest orders it so): after every scenario has driven
the four services through its stack, each role must have used every action its policy file
grants, and no service call may have been refused by IAM. The record covers every stack the
suite started (the modules' own stacks are stopped by now; stack_fixture kept their records)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iam_usage import format_report, grant_report
from stack_fixture import IAM_USAGE

RECORD = Path(__file__).resolve().parents[2] / "build" / "test-results" / "iam-usage.json"


def test_every_grant_is_used_and_every_call_is_granted(stack: Any, request: pytest.FixtureRequest) -> None:
    if not request.config.stash.get(WHOLE_SUITE, False):
        pytest.skip("only meaningful after the whole end-to-end suite ran")
    records = IAM_USAGE + stack.control("GET", "iam/usage").json()["usage"]
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps(records, indent=1))  # for whoever adjusts infra/policies/
    report = grant_report(records)
    request.config.stash[REPORT] = format_report(report)  # printed in the run's summary (conftest)
    findings = {name: f for name, f in report.items() if any(f.values())}
    assert not findings, format_report(report)


WHOLE_SUITE = pytest.StashKey[bool]()
REPORT = pytest.StashKey[str]()
