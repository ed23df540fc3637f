"""Fixtures of the console suite: one local stack with the four services and the web console's
static server (on free ports; the services allow the console's origin), a doctor, and what the
Node programs need to know about them."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from node_tools import REPO_ROOT

SERVICES = ("identity", "scheduling", "messaging", "calling")


@pytest.fixture(scope="session")
def console_stack() -> Iterator[Any]:
    from stack_fixture import start_stack

    with start_stack(services=list(SERVICES), console=True,
                     env={"PYTHONPATH": str(REPO_ROOT / "shared")}) as running:
        yield running


@pytest.fixture(scope="session")
def doctor(console_stack: Any) -> Any:
    from users import make_user

    return make_user(console_stack.settings, "doctor", name="Dr Ada Lovelace")


@pytest.fixture(scope="session")
def stack_file(console_stack: Any, doctor: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the Node programs need to know about the stack, as a JSON file."""
    from users import make_user

    patient = make_user(console_stack.settings, "patient")
    settings = console_stack.settings
    admin = ({"email": settings["TELEHEALTH_LOCAL_ADMIN_EMAIL"], "password": settings["TELEHEALTH_LOCAL_ADMIN_PASSWORD"]}
             if settings.get("TELEHEALTH_LOCAL_ADMIN_EMAIL") else None)
    path = tmp_path_factory.mktemp("console") / "stack.json"
    path.write_text(json.dumps({
        "services": console_stack.urls, "endpoint": console_stack.endpoint_url,
        "console": console_stack.console_url,
        "doctor": {"email": doctor.email, "password": doctor.password, "name": doctor.name},
        "patient": {"user_id": patient.user_id},
        "admin": admin,
    }))
    return path
