"""Loads botocore's service models (the single source of the emulator's wire rules) once per process."""
from __future__ import annotations

import functools
import threading

import botocore.session
from botocore.model import ServiceModel

_lock = threading.Lock()


@functools.lru_cache(maxsize=None)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.lru_cache(maxsize=None)
def service_model(service_name: str) -> ServiceModel:
    """The botocore model of `service_name` (e.g. "chime-sdk-messaging"), cached."""
    # botocore's loader is not documented as thread-safe; models load once, so a lock is cheap.
    with _lock:
        return _session().get_service_model(service_name)


def signing_name(service_name: str) -> str:
    """The SigV4 service name the clients of `service_name` sign with (chime, mobiletargeting)."""
    model = service_model(service_name)
    return model.signing_name or model.endpoint_prefix
