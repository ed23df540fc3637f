"""Lazy, cached boto3 clients with standard retries and timeouts; never built at import time."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

# The cache keys of a client set's siblings start with this (no botocore service name does).
_SIBLING = "<limits>"

CallListener = Callable[[str, str], None]
_listeners: list[CallListener] = []


def add_call_listener(listener: CallListener) -> None:
    """Observe every AWS API call (service, operation) made by clients of this module.

    Benchmarks count calls per user action with it; retries are counted as one call.
    """
    _listeners.append(listener)


def remove_call_listener(listener: CallListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


# Called with (service, operation, started, ended) (time.perf_counter seconds) after each call
# returns: benchmarks find the calls on an action's critical path from the overlaps.
TimingListener = Callable[[str, str, float, float], None]
_timing_listeners: list[TimingListener] = []


def add_timing_listener(listener: TimingListener) -> None:
    _timing_listeners.append(listener)


def remove_timing_listener(listener: TimingListener) -> None:
    if listener in _timing_listeners:
        _timing_listeners.remove(listener)


def _notify(model: Any = None, context: Any = None, **_: Any) -> None:
    if model is None:
        return
    if _timing_listeners and isinstance(context, dict):
        context["telehealth_started"] = time.perf_counter()
    for listener in list(_listeners):
        listener(model.service_model.service_name, model.name)


def _notify_done(model: Any = None, context: Any = None, **_: Any) -> None:
    if model is None or not _timing_listeners or not isinstance(context, dict):
        return
    started = context.get("telehealth_started")
    if started is None:
        return
    ended = time.perf_counter()
    for listener in list(_timing_listeners):
        listener(model.service_model.service_name, model.name, started, ended)


class _Client:
    """A named client of a client set: `clients.dynamodb` is `clients.client("dynamodb")`."""

    def __init__(self, service: str):
        self.service = service

    def __get__(self, clients: "AwsClients | None", owner: type | None = None) -> Any:
        return self if clients is None else clients.client(self.service)


class AwsClients:
    """A set of lazily created clients; pass one into the code that talks to AWS.

    boto3 itself honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, which is how the
    same code reaches the local stack.
    """

    # Every client the services use, by the name call sites read (`clients.dynamodb`).
    cognito = _Client("cognito-idp")
    dynamodb = _Client("dynamodb")
    stepfunctions = _Client("stepfunctions")
    chime_identity = _Client("chime-sdk-identity")
    chime_messaging = _Client("chime-sdk-messaging")
    chime_meetings = _Client("chime-sdk-meetings")
    chime_voice = _Client("chime-sdk-voice")
    sms = _Client("pinpoint-sms-voice-v2")
    sesv2 = _Client("sesv2")
    sts = _Client("sts")

    def __init__(self, region: str | None = None, connect_timeout: float = 3, read_timeout: float = 10,
                 max_attempts: int = 3):
        self._region = region
        self._timeouts = (connect_timeout, read_timeout, max_attempts)
        # Clients by service name and sibling client sets by their limits: one cache, one lock,
        # each built once however many threads ask at once.
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._session: Any = None

    def _cached(self, key: str, build: Callable[[], Any]) -> Any:
        existing = self._cache.get(key)
        if existing is not None:
            return existing
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    def _make(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        from .config import get_settings

        connect_timeout, read_timeout, max_attempts = self._timeouts
        if self._session is None:
            self._session = boto3.session.Session()
        client = self._session.client(
            service,
            region_name=self._region or get_settings().region,
            config=Config(
                retries={"mode": "standard", "max_attempts": max_attempts},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                tcp_keepalive=True,
            ),
        )
        client.meta.events.register("before-call.*.*", _notify)
        client.meta.events.register("after-call.*.*", _notify_done)
        return client

    def client(self, service: str) -> Any:
        """The client of a botocore service name (`"dynamodb"`, `"chime-sdk-messaging"`)."""
        return self._cached(service, lambda: self._make(service))

    def with_limits(self, connect_timeout: float, read_timeout: float, max_attempts: int) -> "AwsClients":
        """A sibling client set with other timeouts and retries (same region), created once per
        client set and limits, through the same cache and lock as the clients themselves."""
        limits = (connect_timeout, read_timeout, max_attempts)
        return self._cached(f"{_SIBLING}{limits}", lambda: AwsClients(self._region, *limits))

    def never_retrying(self) -> "AwsClients":
        """Clients like these whose calls botocore never retries by itself, for calls that are not
        idempotent: a text whose send timed out may have been delivered, and a retry would send
        it twice."""
        connect_timeout, read_timeout, _ = self._timeouts
        # botocore's max_attempts counts retries, not attempts: 0 is one attempt in total.
        return self.with_limits(connect_timeout, read_timeout, 0)


_default: AwsClients | None = None
_default_lock = threading.Lock()


def default_clients() -> AwsClients:
    """The process-wide client set, created on first use (never at import)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = AwsClients()
        return _default


def reset_default_clients() -> None:
    """Forget cached clients (tests that change endpoints or credentials)."""
    global _default
    with _default_lock:
        _default = None
