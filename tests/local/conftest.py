"""Fixtures for the local-stack tests: the emulator served on a free 127.0.0.1 port and boto3 clients for it."""
from __future__ import annotations

import threading
from typing import Callable, Iterator

import boto3
import pytest
from botocore.config import Config
from werkzeug.serving import WSGIRequestHandler, make_server

from telehealth_local.emulator.app import make_emulator_app, reset_emulator_state

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"


class _QuietHandler(WSGIRequestHandler):
    """Keeps werkzeug's per-request access log out of test output."""

    def log_request(self, *args, **kwargs) -> None:
        return None


@pytest.fixture(scope="session")
def _emulator_server() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, make_emulator_app(), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="emulator", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


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
