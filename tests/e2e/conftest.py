"""Fixtures of the end-to-end suite: one four-service local stack for the session, signed-in
people, an HTTP caller for the services, and appointments booked over HTTP."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import pytest
import requests

from telehealth_local.layout import SERVICES

REPO_ROOT = Path(__file__).resolve().parents[2]
HTTP_TIMEOUT = 30


GRANTS_TEST = "test_zz_iam_grants.py"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """The IAM grants check runs after every other end-to-end test (it reads what they used),
    and asserts only when the whole suite was collected, unfiltered."""
    from test_zz_iam_grants import WHOLE_SUITE

    last = [item for item in items if item.path.name == GRANTS_TEST]
    items[:] = [item for item in items if item.path.name != GRANTS_TEST] + last
    modules = {item.path.name for item in items}
    on_disk = {path.name for path in Path(__file__).parent.glob("test_*.py")}
    config.stash[WHOLE_SUITE] = (modules == on_disk and not config.option.keyword
                                 and not config.option.markexpr and not getattr(config.option, "deselect", None))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    from test_zz_iam_grants import REPORT

    report = config.stash.get(REPORT, None)
    if report is not None:
        terminalreporter.write_line(report)


@pytest.fixture(scope="session")
def stack() -> Iterator[Any]:
    """The endpoint plus the four services as separate processes, as `make run` starts them."""
    from stack_fixture import start_stack

    # The source of the shared package first, so the Lambda workers never pick up a stale
    # vendored copy (the same precaution as the service suites take).
    with start_stack(services=list(SERVICES), env={"PYTHONPATH": str(REPO_ROOT / "shared")}) as running:
        yield running


class ServiceApi:
    """HTTP calls to the stack's services; `caller` is a TestUser (its ID token is sent) or None."""

    def __init__(self, stack: Any):
        self._stack = stack
        self._session = requests.Session()

    def url(self, service: str, path: str) -> str:
        return f"{self._stack.url(service)}{path}"

    def call(self, service: str, method: str, path: str, caller: Any = None, *,
             headers: Mapping[str, str] | None = None, json: Any = None, **kwargs: Any) -> requests.Response:
        sent = dict(caller.headers) if caller is not None else {}
        sent.update(headers or {})
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return self._session.request(method, self.url(service, path), headers=sent, json=json, **kwargs)

    def ok(self, service: str, method: str, path: str, caller: Any = None, *, expect: int = 200,
           **kwargs: Any) -> Any:
        """The JSON body of a call that must answer `expect` (the failure quotes the body)."""
        response = self.call(service, method, path, caller, **kwargs)
        assert response.status_code == expect, (
            f"{method} {service}{path}: expected {expect}, got {response.status_code}: {response.text[:500]}")
        return response.json()

    def close(self) -> None:
        self._session.close()


@pytest.fixture(scope="session")
def api(stack: Any) -> Iterator[ServiceApi]:
    client = ServiceApi(stack)
    yield client
    client.close()


@pytest.fixture(scope="session")
def new_user(stack: Any) -> Callable[..., Any]:
    """Factory: new_user("doctor", name=None, phone_number=None) -> a confirmed, signed-in TestUser."""
    from users import make_user

    def make(role: str, name: str | None = None, phone_number: str | None = None) -> Any:
        return make_user(stack.settings, role, name=name, phone_number=phone_number)

    return make


@dataclass(frozen=True)
class People:
    """Two participants and two outsiders; each name is unique to the session, so finding it in
    a response means that person's data was returned."""

    doctor: Any
    patient: Any
    other_doctor: Any
    other_patient: Any
    admin: Any = None  # a clinic admin (role admin; made as an operator would)

    def all(self) -> list[Any]:
        return [self.doctor, self.patient, self.other_doctor, self.other_patient]


@pytest.fixture(scope="session")
def people(new_user: Callable[..., Any]) -> People:
    tag = secrets.token_hex(3)
    return People(
        doctor=new_user("doctor", f"Dr Ada Lovelace {tag}"),
        patient=new_user("patient", f"Bob Baker {tag}"),
        other_doctor=new_user("doctor", f"Dr Grace Hopper {tag}"),
        other_patient=new_user("patient", f"Carol Clark {tag}"),
        admin=new_user("admin", f"Ada Admin {tag}"),
    )


def future_time(minutes: float = 24 * 60) -> str:
    """An RFC 3339 UTC time `minutes` from now (whole seconds)."""
    moment = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=minutes)
    return moment.isoformat().replace("+00:00", "Z")


class Appointments:
    """Appointments made over HTTP the way the apps make them."""

    future_time = staticmethod(future_time)

    def __init__(self, api: ServiceApi):
        self._api = api

    def book(self, doctor: Any, patient: Any, **fields: Any) -> dict[str, Any]:
        body = {"patient_id": patient.user_id, "starts_at": future_time(), **fields}
        return self._api.ok("scheduling", "POST", "/appointments", doctor, json=body, expect=201)

    def cancel(self, appointment: Mapping[str, Any], by: Any) -> dict[str, Any]:
        return self._api.ok("scheduling", "DELETE", f"/appointments/{appointment['appointment_id']}", by)

    def start_meeting(self, appointment: Mapping[str, Any], doctor: Any) -> dict[str, Any]:
        return self._api.ok("calling", "POST", f"/appointments/{appointment['appointment_id']}/meeting", doctor,
                            expect=201)

    def read(self, appointment: Mapping[str, Any], by: Any) -> dict[str, Any]:
        return self._api.ok("scheduling", "GET", f"/appointments/{appointment['appointment_id']}", by)


@pytest.fixture(scope="session")
def appointments(api: ServiceApi) -> Appointments:
    return Appointments(api)


@pytest.fixture
def appointment(appointments: Appointments, people: People) -> dict[str, Any]:
    """A fresh scheduled appointment of people.doctor with people.patient (one per test)."""
    return appointments.book(people.doctor, people.patient)
