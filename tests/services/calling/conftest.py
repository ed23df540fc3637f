"""Fixtures of the calling service's suite: one local stack for the whole suite, the calling
app in-process against it, and users made through Cognito as real ones are."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def stack():
    from stack_fixture import start_stack

    # The calling service also runs as its own HTTP server, for tests that need real
    # concurrent requests (test_phone_call_limit.py); the others call it in-process.
    with start_stack(services=["calling"]) as running:
        yield running


@pytest.fixture(scope="session")
def stack_env(stack):
    """The stack's settings in os.environ for in-process code (the app, the SMA handler)."""
    with stack.service_settings_applied() as env:
        yield env


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
