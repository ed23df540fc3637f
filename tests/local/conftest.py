"""Fixtures for the local-stack tests: a fresh emulator per test, served on a free 127.0.0.1 port, and boto3 clients for it."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.config import Config
from stack_fixture import serve_emulator
from telehealth_local.emulator.app import Emulator, build_emulator
from telehealth_local.events import EventHub
from telehealth_local.outbox import Outbox

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"


class _Current:
    """The served WSGI app: whichever emulator the running test built."""

    emulator: Emulator | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if self.emulator is None:
            raise RuntimeError("no test emulator is being served")
        return self.emulator(environ, start_response)


@pytest.fixture(scope="session")
def _emulator_server() -> Iterator[tuple[str, _Current]]:
    current = _Current()
    with serve_emulator(current) as url:
        yield url, current


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh emulator of its own (empty state, its own outbox and event hub) for this test."""
    built = build_emulator(outbox=Outbox(), hub=EventHub())
    yield built
    built.reset()  # stops calls still running


@pytest.fixture
def emulator_endpoint(_emulator_server: tuple[str, _Current], emulator: Emulator) -> Iterator[str]:
    """Base URL serving this test's `emulator`."""
    url, current = _emulator_server
    current.emulator = emulator
    yield url
    current.emulator = None


@pytest.fixture
def boto_client(emulator_endpoint: str) -> Callable[..., object]:
    """Factory: boto_client("chime-sdk-messaging") -> a boto3 client pointed at the emulator.

    `validate=False` turns botocore's client-side checks off, to reach the server-side ones.
    """

    def make(service_name: str, region: str = REGION, validate: bool = True):
        return boto3.client(
            service_name,
            endpoint_url=emulator_endpoint,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10,
                          parameter_validation=validate),
        )

    return make
