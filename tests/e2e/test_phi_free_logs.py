"""No PHI in any log: the whole visit (sign-up, search, chat, meeting, phone call, reminder,
cancel) runs on the local stack, then every line every process wrote (the services, the
endpoint, its Lambda workers and the SMA handler) is searched for the names, numbers, e-mail
addresses, texts, tokens and codes the visit used."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.register_assert_rewrite("scenario_support")

from scenario_support import SERVICES, RequestRecorder, four_service_stack, play_visit  # noqa: E402
from stack_fixture import wait_for  # noqa: E402

pytestmark = pytest.mark.timeout(180)

# What each service's log must show the visit reached: the route templates its edge logged.
EXPECTED_ROUTES = {
    "identity": {("POST", "/signup"), ("POST", "/confirm"), ("POST", "/signin"), ("GET", "/me"), ("GET", "/patients")},
    "scheduling": {("POST", "/appointments"), ("GET", "/appointments"), ("DELETE", "/appointments/{appointment_id}")},
    "messaging": {("POST", "/appointments/{appointment_id}/check-in"), ("POST", "/appointments/{appointment_id}/messages"),
                  ("GET", "/appointments/{appointment_id}/messages"), ("GET", "/session")},
    "calling": {("POST", "/appointments/{appointment_id}/meeting"), ("POST", "/appointments/{appointment_id}/meeting/join"),
                ("GET", "/appointments/{appointment_id}/meeting"), ("POST", "/appointments/{appointment_id}/phone-call")},
}


def matcher(secret: str) -> re.Pattern[str]:
    """Case-insensitive; a secret of digits (a code, a number) only counts standing alone, so
    it is not found by chance inside a hex id or a timestamp."""
    pattern = re.escape(secret)
    if re.fullmatch(r"\+?[0-9]+", secret):
        pattern = rf"(?<![0-9A-Za-z]){pattern}(?![0-9A-Za-z])"
    return re.compile(pattern, re.IGNORECASE)


def phi_found(lines_by_file: dict[str, list[str]], phi: dict[str, str]) -> list[str]:
    matchers = {label: matcher(secret) for label, secret in phi.items() if secret}
    return [f"{name}:{number}: {label}"
            for name, lines in lines_by_file.items()
            for number, line in enumerate(lines, start=1)
            for label, pattern in matchers.items() if pattern.search(line)]


def json_entries(lines: list[str]) -> list[dict]:
    entries = []
    for line in lines:
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue  # a plain line that happens to start with a brace
    return entries


@pytest.fixture(scope="module")
def scenario():
    """The visit and then every log file of the stack, read while it still runs."""
    recorder = RequestRecorder()
    with four_service_stack() as stack:
        visit = play_visit(stack, recorder, lead_seconds=8)
        last = recorder.to(stack.url("messaging"))[-1].request_id
        # The last request's line is written before its response; waiting for it makes sure
        # nothing of the visit is still buffered.
        wait_for(lambda: last in stack.log("messaging"), timeout=5, message="the last request in the log")
        logs_dir = Path(stack.workdir) / "logs"
        logs = {path.name: path.read_text(errors="replace").splitlines() for path in sorted(logs_dir.iterdir())
                if path.is_file()}
        yield {"stack": stack, "visit": visit, "recorder": recorder, "logs": logs}


def test_the_logs_record_the_visit(scenario):
    """The scan below means something only if the logs hold the visit: every process logged,
    every request id the services returned is in its service's log, with its route."""
    logs, stack, visit = scenario["logs"], scenario["stack"], scenario["visit"]
    assert {f"{name}.log" for name in ("endpoint", *SERVICES)} <= set(logs)
    for name in SERVICES:
        entries = json_entries(logs[f"{name}.log"])
        requests_logged = {e["request_id"]: e for e in entries if e.get("event") == "request"}
        exchanges = scenario["recorder"].to(stack.url(name))
        assert exchanges, f"the visit made no request to {name}"
        for exchange in exchanges:
            assert exchange.request_id, f"{name} answered {exchange.method} {exchange.url} without x-request-id"
            logged = requests_logged.get(exchange.request_id)
            assert logged is not None, f"{name}.log lacks request {exchange.request_id} ({exchange.method} {exchange.url})"
            assert (logged["method"], logged["status"]) == (exchange.method, exchange.status)
        assert EXPECTED_ROUTES[name] <= {(e["method"], e["route"]) for e in requests_logged.values()}

    # The endpoint's log carries the Lambda workers: the identity trigger, the SMA handler and
    # the reminder.
    endpoint = json_entries(logs["endpoint.log"])
    provisioned = {e.get("user_id") for e in endpoint if e.get("event") == "user_provisioned"}
    assert {visit.doctor.user_id, visit.patient.user_id} <= provisioned
    sma = [e for e in endpoint if e.get("logger") == "telehealth.calling.sma"
           and e.get("transaction_id") == visit.phone.transaction_id]
    assert {"NEW_OUTBOUND_CALL", "CALL_ANSWERED", "HANGUP"} <= {e.get("event_type") for e in sma}
    reminders = [e for e in endpoint if e.get("event") == "reminder_sent"
                 and e.get("appointment_id") == visit.appointment.appointment_id]
    assert [e["sent"] for e in reminders] == [["doctor"]]


def test_the_scan_finds_what_it_looks_for(scenario):
    """The scanner itself can fail: each kind of secret, planted in a line shaped like ours, is found."""
    phi = scenario["visit"].phi()
    planted = {label: [json.dumps({"event": "request", "detail": f"x {secret} y"})] for label, secret in phi.items()}
    for label, lines in planted.items():
        assert phi_found({"planted": lines}, {label: phi[label]}), label
    # ...while ids and timestamps next to digits are not taken for a code.
    code = scenario["visit"].patient.confirmation_code
    assert not phi_found({"ids": [f'{{"request_id": "ab{code}cd", "ts": "x{code}"}}']}, {"code": code})


def test_no_log_line_holds_phi(scenario):
    visit = scenario["visit"]
    phi = visit.phi()
    # The visit used everything the scan looks for.
    assert visit.doctor.confirmation_code and visit.patient.confirmation_code
    assert len(visit.doctor.token_history) >= 3 and len(visit.patient.token_history) >= 3
    assert sum(len(lines) for lines in scenario["logs"].values()) > 50
    assert phi_found(scenario["logs"], phi) == []
