"""Fixtures for the messaging service's tests: one local stack per session, the messaging app
in-process on it (chalice.test.Client), and test users and appointments made as in production."""
from __future__ import annotations

import pytest

from stack_fixture import start_stack


@pytest.fixture(scope="session")
def stack():
    # The messaging app runs in this process for most tests; the stack also serves it over
    # HTTP for the tests that need truly concurrent requests. The identity trigger that
    # provisions test users runs in the endpoint's Lambda worker.
    with start_stack(services=["messaging"]) as running:
        yield running


@pytest.fixture(scope="session")
def settings(stack):
    return stack.settings


@pytest.fixture(scope="session")
def api(stack):
    from chalice.test import Client

    with stack.service_settings_applied():
        import app as messaging_app

        with Client(messaging_app.app) as client:
            yield client
