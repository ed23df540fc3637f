"""One service's Chalice app in this process on a fresh local stack, with a doctor and a patient,
for the AWS-call benchmarks: call its routes, count each action's AWS calls, print the table."""
from __future__ import annotations

import importlib
import json
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from call_counting import counted_calls, describe, print_table

ROOT = Path(__file__).resolve().parents[2]
# The stack fixture and users the tests share with the benchmarks (each benchmark is its own process).
sys.path.insert(0, str(ROOT / "scripts" / "harness"))


@dataclass
class ServiceBench:
    stack: Any
    settings: Mapping[str, str]
    app: Any  # the service's app module
    api: Any  # chalice.test.Client on the app
    doctor: Any
    patient: Any
    reference: Mapping[str, str]
    rows: list[tuple[str, int, str, str]] = field(default_factory=list)

    def call(self, method: str, path: str, user: Any = None, body: Any = None,
             headers: Mapping[str, str] | None = None) -> tuple[int, Any]:
        """One request through the app: (status, decoded JSON body or None)."""
        sent = {**(user.headers if user is not None else {}), **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/json"
        response = self.api.http.request(method, path, headers=sent,
                                         body=json.dumps(body).encode() if body is not None else b"")
        return response.status_code, json.loads(response.body) if response.body else None

    def measure(self, action: str, run: Callable[[], Any]) -> Any:
        """Counts the AWS calls `run` makes as one row. `run` returns (status, body) for a route,
        or a SIP media application response (its number of actions is shown)."""
        with counted_calls() as calls:
            result = run()
        shown = f"[{result[0]}]" if isinstance(result, tuple) else f"[{len(result.get('Actions', []))} actions]"
        self.rows.append((f"{action} {shown}", *describe(calls), self.reference[action]))
        return result

    def print_table(self, previous: Mapping[str, tuple[int, str]]) -> None:
        print_table(self.rows, dict(previous))

    def seed_appointment(self) -> Any:
        """An appointment item and its channel written the way the scheduling service writes them
        (a RESTRICTED private channel named by the appointment id, both users members and
        moderators), for a service benchmarked without scheduling in its process."""
        from telehealth_shared.appointment_records import AppointmentRecord, serialize_item

        appointment_id = str(uuid.uuid4())
        members = [self.doctor.app_instance_user_arn, self.patient.app_instance_user_arn]
        channel_arn = self.stack.client("chime-sdk-messaging").create_channel(
            AppInstanceArn=self.settings["TELEHEALTH_APP_INSTANCE_ARN"], Name="Appointment", Mode="RESTRICTED",
            Privacy="PRIVATE", ClientRequestToken=appointment_id, ChannelId=appointment_id, MemberArns=members,
            ModeratorArns=members, ChimeBearer=self.settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"])["ChannelArn"]
        now = datetime.now(timezone.utc).replace(microsecond=0)
        record = AppointmentRecord(
            appointment_id=appointment_id, doctor_id=self.doctor.user_id, doctor_name=self.doctor.name,
            patient_id=self.patient.user_id, patient_name=self.patient.name, starts_at=now + timedelta(days=1),
            duration_minutes=30, reason="Follow-up", status="scheduled", presence_doctor="added",
            presence_patient="added", channel_arn=channel_arn, created_at=now)
        self.stack.client("dynamodb").put_item(TableName=self.settings["TELEHEALTH_APPOINTMENTS_TABLE"],
                                               Item=serialize_item(record.to_item()))
        return record


@contextmanager
def bench_service(service: str, reference: Mapping[str, str], **start_options: Any) -> Iterator[ServiceBench]:
    """The service's app (as in its own test suite: alone in this process) on a fresh stack."""
    sys.path.insert(0, str(ROOT / "services" / service))
    from chalice.test import Client

    from stack_fixture import start_stack
    from telehealth_shared import auth, aws, config
    from users import make_user

    with start_stack(**start_options) as stack, stack.environment_applied() as settings:
        config.get_settings.cache_clear()
        aws.reset_default_clients()
        auth.set_default_verifier(None)
        app = importlib.import_module("app")
        doctor = make_user(settings, "doctor", "Dr Bench")
        patient = make_user(settings, "patient", "Pat Bench")
        with Client(app.app) as api:
            yield ServiceBench(stack, settings, app, api, doctor, patient, reference)
