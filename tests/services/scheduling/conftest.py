"""One local stack for the scheduling suite, the service imported in-process on it, test users,
and failure injection into the service's own AWS clients."""
from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError

from stack_fixture import start_stack, wait_for
from users import TestUser
from users import make_user as _make_user

_phones: set[str] = set()


def unique_phone() -> str:
    """A valid US number no other user of this session has (SMS checks go by number)."""
    import secrets

    import phonenumbers

    while True:
        number = f"+1415{secrets.choice('23456789')}{secrets.randbelow(10 ** 6):06d}"
        if number not in _phones and phonenumbers.is_valid_number(phonenumbers.parse(number)):
            _phones.add(number)
            return number


def make_user(settings: dict[str, str], role: str, name: str | None = None, phone_number: str | None = None,
              **options: Any) -> TestUser:
    return _make_user(settings, role, name, phone_number=phone_number or unique_phone(), **options)


@pytest.fixture(scope="session")
def stack():
    # The scheduling service also runs as its own HTTP server, for the tests that need real
    # concurrent requests (test_idempotency_race.py); the others call it in-process.
    with start_stack(services=["scheduling"]) as running:
        yield running


@pytest.fixture(scope="session")
def settings(stack) -> dict[str, str]:
    return stack.settings


@pytest.fixture(scope="session")
def api(stack):
    """The scheduling app in this process, with the stack's settings in the environment."""
    import os

    from chalice.test import Client

    # Executions end after the reminders, so the tests that wait for them are not held for
    # the no-show step; test_visit_outcome starts that step itself.
    os.environ["TELEHEALTH_NO_SHOW_MINUTES"] = "0"
    with stack.service_settings_applied():
        import app as scheduling

        with Client(scheduling.app) as client:
            yield Api(client)


class Response:
    def __init__(self, raw: Any):
        self.status = raw.status_code
        self.headers = {k.lower(): v for k, v in raw.headers.items()}
        self.body = json.loads(raw.body) if raw.body else None

    def __repr__(self) -> str:
        return f"<{self.status} {self.body}>"


class Api:
    """The service over chalice.test.Client, speaking JSON."""

    def __init__(self, client: Any):
        self.client = client

    def call(self, method: str, path: str, user: TestUser | None = None, body: Any = None,
             headers: dict[str, str] | None = None, raw_body: str | None = None) -> Response:
        all_headers = {"Content-Type": "application/json"}
        if user is not None:
            all_headers.update(user.headers)
        all_headers.update(headers or {})
        payload = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"headers": all_headers}
        if payload is not None:
            kwargs["body"] = payload
        return Response(getattr(self.client.http, method.lower())(path, **kwargs))

    def create(self, doctor: TestUser, patient: TestUser | str, starts_at: datetime | str | None = None,
               key: str | None = None, **fields: Any) -> Response:
        body = {"patient_id": patient if isinstance(patient, str) else patient.user_id,
                "starts_at": iso(starts_at or in_days(7))}
        body.update(fields)
        return self.call("POST", "/appointments", doctor, body,
                         headers={"Idempotency-Key": key} if key is not None else None)


def iso(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_days(days: float) -> datetime:
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0)


def seconds_ahead(seconds: float) -> datetime:
    """A whole second at least `seconds` from now (the API keeps whole seconds)."""
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds + 1)).replace(microsecond=0)


@pytest.fixture(scope="session")
def doctor(settings) -> TestUser:
    return make_user(settings, "doctor", "Dr Ada Lovelace")


@pytest.fixture(scope="session")
def patient(settings) -> TestUser:
    return make_user(settings, "patient", "Bob Patient")


@pytest.fixture(scope="session")
def other_doctor(settings) -> TestUser:
    return make_user(settings, "doctor", "Dr Other")


@pytest.fixture(scope="session")
def other_patient(settings) -> TestUser:
    return make_user(settings, "patient", "Eve Other")


@pytest.fixture
def fresh_pair(settings) -> tuple[TestUser, TestUser]:
    """A doctor and a patient no other test uses (for lists and SMS counts)."""
    return make_user(settings, "doctor", "Dr Fresh"), make_user(settings, "patient", "Pat Fresh")


# -- state of the stack, read as an operator would --------------------------------------
class StackState:
    def __init__(self, stack: Any):
        self.stack = stack
        self.settings = stack.settings
        self.dynamodb = stack.client("dynamodb")
        self.chime = stack.client("chime-sdk-messaging")
        self.sfn = stack.client("stepfunctions")

    def item(self, appointment_id: str) -> dict[str, Any] | None:
        from telehealth_shared.appointment_records import deserialize_item

        found = self.dynamodb.get_item(TableName=self.settings["TELEHEALTH_APPOINTMENTS_TABLE"],
                                       Key={"appointment_id": {"S": appointment_id}}, ConsistentRead=True).get("Item")
        return deserialize_item(found) if found else None

    def set_presence(self, appointment_id: str, role: str, presence: str) -> None:
        """What the messaging service's check-in writes (one attribute per participant)."""
        self.dynamodb.update_item(
            TableName=self.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": appointment_id}},
            UpdateExpression="SET #p = :p", ExpressionAttributeNames={"#p": f"presence_{role}"},
            ExpressionAttributeValues={":p": {"S": presence}})

    def channel_arn(self, appointment_id: str) -> str:
        return f"{self.settings['TELEHEALTH_APP_INSTANCE_ARN']}/channel/{appointment_id}"

    def channel(self, appointment_id: str) -> dict[str, Any] | None:
        try:
            return self.chime.describe_channel(ChannelArn=self.channel_arn(appointment_id),
                                               ChimeBearer=self.settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"])["Channel"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NotFoundException":
                return None
            raise

    def channel_arns(self) -> list[str]:
        arns, token = [], None
        while True:
            params = {"AppInstanceArn": self.settings["TELEHEALTH_APP_INSTANCE_ARN"], "Privacy": "PRIVATE",
                      "ChimeBearer": self.settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"], "MaxResults": 50}
            if token:
                params["NextToken"] = token
            page = self.chime.list_channels(**params)
            arns += [c["ChannelArn"] for c in page.get("Channels", [])]
            token = page.get("NextToken")
            if not token:
                return arns

    def members(self, appointment_id: str) -> set[str]:
        page = self.chime.list_channel_memberships(ChannelArn=self.channel_arn(appointment_id),
                                                   ChimeBearer=self.settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"])
        return {m["Member"]["Arn"] for m in page["ChannelMemberships"]}

    def moderators(self, appointment_id: str) -> set[str]:
        page = self.chime.list_channel_moderators(ChannelArn=self.channel_arn(appointment_id),
                                                  ChimeBearer=self.settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"])
        return {m["Moderator"]["Arn"] for m in page["ChannelModerators"]}

    def executions(self, appointment_id: str, status: str | None = None) -> list[dict[str, Any]]:
        params = {"stateMachineArn": self.settings["TELEHEALTH_STATE_MACHINE_ARN"], "maxResults": 1000}
        if status:
            params["statusFilter"] = status
        found = []
        for page in self.sfn.get_paginator("list_executions").paginate(**params):
            found += [e for e in page["executions"] if e["name"].startswith(appointment_id + "-")]
        return found

    def execution(self, execution_arn: str) -> dict[str, Any]:
        return self.sfn.describe_execution(executionArn=execution_arn)

    def wait_execution_done(self, execution_arn: str, timeout: float = 30.0) -> dict[str, Any]:
        return wait_for(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(self.execution(execution_arn)),
                        timeout, interval=0.2, message="the reminder execution to end")

    def wait_stopped(self, execution_arn: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait until a stopped execution has ended, and check it never reached its Lambda task.

        AWS reports a stopped execution as ABORTED; moto 5.2.5 reports one stopped while its
        Map state runs as FAILED (States.Runtime, a bug in its Map iteration abort path), so
        both count here, and the history shows that no reminder task ever ran.
        """
        description = self.wait_execution_done(execution_arn, timeout)
        assert description["status"] in ("ABORTED", "FAILED"), description["status"]
        events = self.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
        assert not [e for e in events if e["type"] in ("TaskStateEntered", "TaskScheduled")]
        return description

    def sms_to(self, number: str) -> list[dict[str, Any]]:
        return [m for m in self.stack.sms() if m["to"] == number]


@pytest.fixture(scope="session")
def state(stack) -> StackState:
    return StackState(stack)


@contextlib.contextmanager
def failing(*operations: str, code: str = "ServiceUnavailableException", status: int = 503) -> Iterator[list[str]]:
    """Make the service's own clients fail each of `operations` (e.g. "PutItem") before it is sent.

    Behaviour injection through botocore's before-call event: the call raises the error
    botocore would raise for that answer, and the test then inspects the stack's state.
    Yields the list of operations that were failed.
    """
    from telehealth_shared import aws

    failed: list[str] = []

    from telehealth_shared.config import get_settings

    audit_table = (get_settings().audit_table or "").encode()

    def hook(model: Any = None, params: Any = None, **_: Any) -> None:
        # The audit trail's own PutItem is not one of the service's steps under test.
        if audit_table and audit_table in ((params or {}).get("body") or b""):
            return
        if model is not None and model.name in operations:
            failed.append(model.name)
            raise ClientError({"Error": {"Code": code, "Message": "injected by the test"},
                               "ResponseMetadata": {"HTTPStatusCode": status}}, model.name)

    clients = aws.default_clients()
    registered = []
    # Texts go through the never-retrying clients (telehealth_shared.sms).
    for client in [getattr(clients, name) for name in ("cognito", "dynamodb", "stepfunctions", "chime_messaging")] \
            + [clients.never_retrying().sms]:
        client.meta.events.register_first("before-call.*.*", hook)
        registered.append(client)
    try:
        yield failed
    finally:
        for client in registered:
            client.meta.events.unregister("before-call.*.*", hook)
