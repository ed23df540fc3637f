"""Fixtures of the fuzz suite: one local stack with all four services, the users whose tokens
the fuzzer sends and real appointments to aim path parameters at."""
from __future__ import annotations

from typing import Iterator

import pytest
import requests

from case_runner import CaseRunner
from fuzz_targets import Appointments, People
from stack_fixture import start_stack
from users import make_user
from telehealth_local.layout import SERVICES


@pytest.fixture(scope="session")
def stack():
    with start_stack(services=list(SERVICES)) as running:
        yield running


@pytest.fixture(scope="session")
def people(stack) -> People:
    settings = stack.settings
    return People(doctor=make_user(settings, "doctor"), patient=make_user(settings, "patient"),
                  outsider_doctor=make_user(settings, "doctor"), outsider_patient=make_user(settings, "patient"),
                  admin=make_user(settings, "admin"))


@pytest.fixture(scope="session")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="session")
def appointments(stack, people, http) -> Appointments:
    return Appointments(stack.urls, people, http)


@pytest.fixture(scope="session")
def runner(stack, people, appointments, http) -> CaseRunner:
    return CaseRunner(stack.urls, people, appointments, http)
