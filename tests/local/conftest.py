"""Fixtures for the local-stack tests: the emulator served on a free 127.0.0.1 port and boto3 clients for it."""
from __future__ import annotations

from typing import Callable, Iterator

import boto3
import pytest
from botocore.config import Config
from stack_fixture import serve_emulator
from telehealth_local.emulator.app import reset_emulator_state
from telehealth_local.layout import ACCOUNT_ID, REGION



@pytest.fixture(scope="session")
def _emulator_server() -> Iterator[str]:
    with serve_emulator() as url:
        yield url


@pytest.fixture
def emulator_endpoint(_emulator_server: str) -> Iterator[str]:
    """Base URL of the emulator, with every emulated service's state empty for this test."""
    reset_emulator_state()
    yield _emulator_server
    reset_emulator_state()


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
