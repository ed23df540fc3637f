"""Who sends each fuzzed request and which appointment its {appointment_id} points at: the
suite's users, and real appointments booked over the HTTP APIs."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import requests
import schemathesis

from users import TestUser

REQUEST_TIMEOUT = 30

# Where an {appointment_id} points: schemathesis's own random value, an appointment both users
# take part in (scheduled; scheduled with an active meeting; cancelled), or one between two
# other users.
TARGETS = ("random", "scheduled", "meeting", "cancelled", "foreign")
_ALLOWED_ROLES = re.compile(r"Allowed roles: ([a-z, ]+)")


@dataclass(frozen=True)
class People:
    doctor: TestUser
    patient: TestUser
    outsider_doctor: TestUser
    outsider_patient: TestUser
    admin: TestUser

    def by_role(self, role: str) -> TestUser:
        return {"doctor": self.doctor, "patient": self.patient, "admin": self.admin}[role]


def allowed_roles(case: schemathesis.Case) -> tuple[str, ...]:
    """The roles openapi.py writes into a role-restricted operation's description."""
    found = _ALLOWED_ROLES.search(case.operation.definition.raw.get("description") or "")
    return tuple(role.strip() for role in found.group(1).split(",")) if found else ("doctor", "patient")


def caller_and_target(case: schemathesis.Case) -> tuple[str, str]:
    """Who sends the case ("doctor", "patient" or "admin") and where its {appointment_id} points.

    Derived from the generated request itself, so that a case replays the same way while
    Hypothesis shrinks it (drawing them with @schema.given would switch off schemathesis's
    coverage phase, which only runs for tests without extra strategies). A role-restricted
    operation gets an allowed caller three times in four and the other role otherwise, which
    must be a documented 403."""
    seed = json.dumps([case.method, case.path, case.path_parameters, case.query, case.headers, repr(case.body)],
                      sort_keys=True, default=repr)
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    allowed = allowed_roles(case)
    others = tuple(role for role in ("doctor", "patient", "admin") if role not in allowed)
    callers = (allowed * 3)[:3] + (others or allowed)[:1]
    return callers[digest % len(callers)], TARGETS[(digest // len(callers)) % len(TARGETS)]


def _starts_in(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Appointments:
    """Real appointments for {appointment_id} to point at, booked when first needed.

    A fuzzed DELETE (or complete, no-show) may close a scheduled one; the next pick then books a
    new one, so that later operations still reach their success paths."""

    def __init__(self, urls: dict[str, str], people: People, http: requests.Session):
        self._urls = urls
        self._people = people
        self._http = http
        self._ids: dict[str, str] = {}

    def _book(self, doctor: TestUser, patient: TestUser) -> str:
        response = self._http.post(f"{self._urls['scheduling']}/appointments", headers=doctor.headers,
                                   json={"patient_id": patient.user_id, "starts_at": _starts_in(30)},
                                   timeout=REQUEST_TIMEOUT)
        assert response.status_code == 201, f"booking a fuzz target failed: {response.status_code} {response.text}"
        return response.json()["appointment_id"]

    def _make(self, kind: str) -> str:
        if kind == "foreign":
            return self._book(self._people.outsider_doctor, self._people.outsider_patient)
        appointment_id = self._book(self._people.doctor, self._people.patient)
        if kind == "cancelled":
            response = self._http.delete(f"{self._urls['scheduling']}/appointments/{appointment_id}",
                                         headers=self._people.doctor.headers, timeout=REQUEST_TIMEOUT)
            assert response.status_code == 200, f"cancelling a fuzz target failed: {response.status_code} {response.text}"
        return appointment_id

    def pick(self, kind: str) -> str:
        """The id of an appointment of this kind (one of TARGETS but "random")."""
        if kind not in self._ids:
            self._ids[kind] = self._make(kind)
        if kind == "meeting":
            # Starting reuses the active meeting, or starts a new one after a fuzzed DELETE ended it.
            response = self._http.post(f"{self._urls['calling']}/appointments/{self._ids[kind]}/meeting",
                                       headers=self._people.doctor.headers, timeout=REQUEST_TIMEOUT)
            assert response.status_code == 201, f"starting a fuzz meeting failed: {response.status_code} {response.text}"
        return self._ids[kind]

    def forget_if_cancelled(self, appointment_id: str) -> None:
        for kind in ("scheduled", "meeting"):
            if self._ids.get(kind) == appointment_id:
                del self._ids[kind]
