"""Sends one schemathesis-generated request to a running service, as the caller and at the
appointment fuzz_targets chose, and checks the answer against the service's OpenAPI document."""
from __future__ import annotations

import json

import requests
import schemathesis

from fuzz_schemas import CHECKS, DOCUMENTS
from fuzz_targets import REQUEST_TIMEOUT, Appointments, People, caller_and_target


def _is_booking(case: schemathesis.Case) -> bool:
    return case.method.upper() == "POST" and case.path == "/appointments"


def _is_cancellation(case: schemathesis.Case) -> bool:
    """A request that closes the visit (cancel, complete, no-show): later cases need a new one."""
    closing = {("DELETE", "/appointments/{appointment_id}"), ("POST", "/appointments/{appointment_id}/complete"),
               ("POST", "/appointments/{appointment_id}/no-show")}
    return (case.method.upper(), case.path) in closing


class CaseRunner:
    def __init__(self, urls: dict[str, str], people: People, appointments: Appointments, http: requests.Session):
        self.urls = urls
        self.people = people
        self.appointments = appointments
        self.http = http
        self._served_checked: set[str] = set()

    def _require_served_document(self, service: str) -> None:
        if service in self._served_checked:
            return
        response = self.http.get(f"{self.urls[service]}/openapi.json", timeout=REQUEST_TIMEOUT)
        assert response.status_code == 200, f"{service} did not serve its document: {response.status_code}"
        checked_in = json.loads((DOCUMENTS / f"{service}.json").read_text())
        assert response.json() == checked_in, (
            f"{service} serves another OpenAPI document than docs/api/{service}.json, the one fuzzed: "
            f"run scripts/export_openapi.py {service}")
        self._served_checked.add(service)

    def run(self, service: str, case: schemathesis.Case) -> schemathesis.Response:
        self._require_served_document(service)
        caller, target = caller_and_target(case)
        user = self.people.by_role(caller)
        if target != "random" and case.path_parameters and "appointment_id" in case.path_parameters:
            case.path_parameters["appointment_id"] = self.appointments.pick(target)
        if target != "random" and _is_booking(case) and isinstance(case.body, dict) and "patient_id" in case.body:
            # A random patient_id is always a 400; the real one lets bookings reach their 201.
            case.body["patient_id"] = self.people.patient.user_id
        # The explicit header replaces any Authorization schemathesis generated, except in the
        # negative cases that drop or mangle it on purpose (those must answer a documented 401).
        response = case.call_and_validate(base_url=self.urls[service], session=self.http, checks=CHECKS,
                                          headers={"Authorization": f"Bearer {user.id_token}"},
                                          timeout=REQUEST_TIMEOUT)
        if _is_cancellation(case) and response.status_code == 200:
            self.appointments.forget_if_cancelled(case.path_parameters["appointment_id"])
        return response
