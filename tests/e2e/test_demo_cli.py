"""`python -m telehealth_client.cli demo` against a local stack: it plays the whole visit, exits 0,
prints every step, and leaves the traces of each step in the stack's outboxes and phone."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.register_assert_rewrite("scenario_support")

from scenario_support import four_service_stack  # noqa: E402

pytestmark = pytest.mark.timeout(180)

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
# The demo's own people (cli.py); their numbers are what the outbox and the phone show.
DOCTOR, PATIENT = "Dr Ada Lovelace", "Bob Patient"
DOCTOR_PHONE, PATIENT_PHONE, INTERPRETER_PHONE = "+14155550101", "+14155550102", "+14155550103"


@pytest.fixture(scope="module")
def demo_run():
    with four_service_stack() as stack:
        urls = stack.urls
        command = [str(PYTHON if PYTHON.exists() else sys.executable), "-m", "telehealth_client.cli", "demo",
                   "--identity", urls["identity"], "--scheduling", urls["scheduling"],
                   "--messaging", urls["messaging"], "--calling", urls["calling"],
                   "--local-endpoint", stack.endpoint_url, "--lead-seconds", "10"]
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=150,
                                stdin=subprocess.DEVNULL)
        yield {"result": result, "sms": stack.sms(), "emails": stack.emails(), "calls": stack.calls()}


def test_the_demo_exits_0(demo_run):
    result = demo_run["result"]
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.stdout.rstrip().endswith("demo finished")


@pytest.mark.parametrize("step, pattern", [
    ("invitation", rf"^ 1\. clinic admin invited {DOCTOR} as doctor \(invitation [0-9a-f]{{32}}\)$"),
    ("doctor signs up", rf"^ 2\. doctor {DOCTOR} signed up, confirmed and signed in \(user [0-9a-f-]{{36}}\)$"),
    ("patient signs up", rf"^ 3\. patient {PATIENT} signed up, confirmed and signed in \(user [0-9a-f-]{{36}}\)$"),
    ("Chime identities", r"^ +Chime identity: arn:aws:chime:us-east-1:123456789012:app-instance/.+/user/[0-9a-f-]{36}$"),
    ("booking", r"^ 4\. doctor booked appointment \S+ at \d\d:\d\d:\d\dZ$"),
    ("listing", r"^ 5\. patient lists appointments: 1 scheduled, including this one: True$"),
    ("check-in", r"^ 6\. patient checked in: doctor=added patient=checked_in$"),
    ("chat", r"^ 7\. chat both ways; the channel now holds:$"),
    ("doctor's chat line", r"^ +\[chat\] doctor: .+$"),
    ("patient's chat line", r"^ +\[chat\] patient: .+$"),
    ("meeting", r"^ 8\. doctor started meeting [0-9a-f-]{36}; patient joined as attendee [0-9a-f-]{36}$"),
    ("waiting room", r"^ +the patient is in the waiting room: waiting$"),
    ("admit", r"^ +doctor admitted patient; visit status: in_progress$"),
    ("interpreter", r"^ 9\. an interpreter \(guest [0-9a-f]{32}\) joined with the code texted to them, as attendee [0-9a-f-]{36}$"),
    ("interpreter waits", r"^ +the interpreter waits: waiting$"),
    ("phone call", r"^10\. doctor dials the patient's phone \(transaction [0-9a-f-]{36}\)$"),
    ("greeting", rf"^ +the phone says: 'Hi {PATIENT}, you have an appointment with {DOCTOR}\. Press 1 to join the call\.'$"),
    ("pressing 1", r"^ +patient pressed 1; call status: joined$"),
    ("hang-up", r"^ +patient hung up$"),
    ("waiting", r"^11\. waiting \d+s for the appointment time: the doctor never checked in$"),
    ("reminder SMS", rf"^ +SMS to the doctor: 'Check in for your appointment with {PATIENT}\.'$"),
    ("no SMS for the patient", r"^ +SMS to the patient who checked in: 0$"),
    ("complete", r"^12\. doctor completed the visit: status=completed$"),
    ("meeting ended", r"^ +the meeting has ended \(404\)$"),
])
def test_the_demo_prints_each_step(demo_run, step, pattern):
    assert re.search(pattern, demo_run["result"].stdout, re.MULTILINE), f"{step} missing from:\n{demo_run['result'].stdout}"


def test_the_steps_happened_in_the_stack(demo_run):
    """What the demo printed is what happened: codes were e-mailed, the phone rang and joined,
    and the doctor alone got the reminder."""
    # The doctor's invitation, then both confirmation codes.
    assert len([m for m in demo_run["emails"] if m.get("code")]) == 3
    assert len([m for m in demo_run["emails"] if "invitation code" in m["body"]]) == 1
    (call,) = demo_run["calls"]
    assert call["to"] == PATIENT_PHONE and call["status"] == "ended"
    assert call["spoken"] == [f"Hi {PATIENT}, you have an appointment with {DOCTOR}. Press 1 to join the call."]
    texts = [(m["to"], m["body"]) for m in demo_run["sms"]]
    assert texts[1:] == [(DOCTOR_PHONE, f"Check in for your appointment with {PATIENT}.")]
    assert texts[0][0] == INTERPRETER_PHONE and demo_run["sms"][0]["code"] in texts[0][1]
