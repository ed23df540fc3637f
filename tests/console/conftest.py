"""Fixtures of the console suite: one local stack with the four services and the web console's
static server and the local media plane (on free ports; the services allow the console's
origin), a doctor invited by the stack's clinic admin, and what the Node programs need to know."""
from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from node_tools import REPO_ROOT
from telehealth_local.layout import SERVICES


@pytest.fixture(scope="session")
def console_stack() -> Iterator[Any]:
    from stack_fixture import start_stack

    with start_stack(services=list(SERVICES), console=True, media=True,
                     env={"PYTHONPATH": str(REPO_ROOT / "shared")}) as running:
        yield running


@pytest.fixture(scope="session")
def doctor(console_stack: Any) -> dict[str, str]:
    """A doctor made as the API requires: the clinic admin invites, the invitee signs up with the code."""
    from users import PASSWORD, confirmation_code, random_phone

    settings, identity = console_stack.settings, console_stack.urls["identity"]
    admin = requests.post(f"{identity}/signin", json={"email": settings["TELEHEALTH_LOCAL_ADMIN_EMAIL"],
                                                      "password": settings["TELEHEALTH_LOCAL_ADMIN_PASSWORD"]}, timeout=30)
    assert admin.status_code == 200, admin.text
    email, name = f"doctor-{secrets.token_hex(5)}@example.com", "Dr Ada Lovelace"
    invited = requests.post(f"{identity}/invitations", json={"email": email, "name": name, "role": "doctor"},
                            headers={"Authorization": f"Bearer {admin.json()['id_token']}"}, timeout=30)
    assert invited.status_code == 201, invited.text
    signed_up = requests.post(f"{identity}/signup", timeout=30, json={
        "email": email, "password": PASSWORD, "name": name, "phone_number": random_phone(), "role": "doctor",
        "invitation_code": confirmation_code(console_stack.endpoint_url, email)})
    assert signed_up.status_code in (200, 201), signed_up.text
    confirmed = requests.post(f"{identity}/confirm", timeout=30,
                              json={"email": email, "code": confirmation_code(console_stack.endpoint_url, email)})
    assert confirmed.status_code == 200, confirmed.text
    return {"email": email, "password": PASSWORD, "name": name}


@pytest.fixture(scope="session")
def stack_file(console_stack: Any, doctor: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the Node programs need to know about the stack, as a JSON file."""
    from users import make_user

    patient = make_user(console_stack.settings, "patient")
    settings = console_stack.settings
    admin = {"email": settings["TELEHEALTH_LOCAL_ADMIN_EMAIL"], "password": settings["TELEHEALTH_LOCAL_ADMIN_PASSWORD"]}
    path = tmp_path_factory.mktemp("console") / "stack.json"
    path.write_text(json.dumps({
        "services": console_stack.urls, "endpoint": console_stack.endpoint_url,
        "console": console_stack.console_url,
        "doctor": doctor,
        "patient": {"user_id": patient.user_id},
        "admin": admin,
    }))
    return path
