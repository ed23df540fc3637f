"""Fixtures of the calling service's suite: one local stack for the whole suite, the calling
app in-process against it, and users made through Cognito as real ones are."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def _reset_process_caches() -> None:
    from telehealth_shared.auth import set_default_verifier
    from telehealth_shared.aws import reset_default_clients
    from telehealth_shared.config import get_settings

    get_settings.cache_clear()
    reset_default_clients()
    set_default_verifier(None)


@pytest.fixture(scope="session")
def stack():
    from stack_fixture import start_stack

    # The Lambda workers append services/<name>/vendor to sys.path, and a stale vendored
    # copy of telehealth_shared shadows the editable install there; putting the source
    # first keeps the workers on the code under test whether or not `make vendor` ran.
    with start_stack(env={"PYTHONPATH": str(REPO_ROOT / "shared")}) as running:
        yield running


@pytest.fixture(scope="session")
def stack_env(stack):
    """The stack's settings in os.environ for in-process code (the app, the SMA handler)."""
    with stack.environment_applied() as env:
        _reset_process_caches()
        yield env
    _reset_process_caches()


@pytest.fixture(scope="session")
def api(stack_env):
    import app as calling
    from chalice.test import Client

    with Client(calling.app) as client:
        yield client


@pytest.fixture(scope="session")
def calling_app(stack_env):
    import app as calling

    return calling


@pytest.fixture(scope="session")
def users(stack):
    from users import make_user

    return {
        "doctor": make_user(stack.settings, "doctor", "Dr Ada Lovelace"),
        "patient": make_user(stack.settings, "patient", "Bob Baker"),
        "other_doctor": make_user(stack.settings, "doctor", "Dr Grace Hopper"),
        "other_patient": make_user(stack.settings, "patient", "Carol Clark"),
    }
