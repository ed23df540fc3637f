"""Fixtures for the identity service's tests: one local stack per session (its Lambda worker runs
the identity app's post-confirmation trigger) and the identity app in-process on it."""
from __future__ import annotations

import pytest

from stack_fixture import start_stack


@pytest.fixture(scope="session")
def stack():
    with start_stack() as running:
        yield running


@pytest.fixture(scope="session")
def settings(stack):
    return stack.settings


@pytest.fixture(scope="session")
def api(stack):
    from chalice.test import Client

    with stack.service_settings_applied():
        import app as identity_app

        with Client(identity_app.app) as client:
            yield client
