"""Fixtures of the browser suite: the four services and the media plane on the local stack,
signed-in people, visits booked and started over HTTP, and headless Chromium pages that join
with the join info our calling service returned."""
from __future__ import annotations

import secrets
from typing import Any, Iterator

import pytest

from e2e.conftest import REPO_ROOT, SERVICES, Appointments, ServiceApi
from media_browsers import Browsers


@pytest.fixture(scope="session")
def stack() -> Iterator[Any]:
    from stack_fixture import start_stack

    with start_stack(services=list(SERVICES), env={"PYTHONPATH": str(REPO_ROOT / "shared")}, media=True) as running:
        yield running


@pytest.fixture(scope="session")
def api(stack: Any) -> Iterator[ServiceApi]:
    client = ServiceApi(stack)
    yield client
    client.close()


@pytest.fixture(scope="session")
def appointments(api: ServiceApi) -> Appointments:
    return Appointments(api)


@pytest.fixture(scope="session")
def people(stack: Any) -> dict[str, Any]:
    from users import make_user

    tag = secrets.token_hex(3)
    return {"doctor": make_user(stack.settings, "doctor", name=f"Dr Ada Lovelace {tag}"),
            "patient": make_user(stack.settings, "patient", name=f"Bob Baker {tag}")}


@pytest.fixture(scope="session")
def meetings(stack: Any) -> Any:
    """boto3 Chime SDK meetings client against the emulator (capabilities, deletions)."""
    return stack.client("chime-sdk-meetings")


@pytest.fixture
def browsers() -> Iterator[Browsers]:
    running = Browsers()
    try:
        yield running
    finally:
        running.close()
