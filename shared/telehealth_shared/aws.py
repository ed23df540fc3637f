"""Lazy, cached boto3 clients with standard retries and timeouts; never built at import time."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

_CLIENT_NAMES = {
    "cognito": "cognito-idp",
    "dynamodb": "dynamodb",
    "stepfunctions": "stepfunctions",
    "chime_identity": "chime-sdk-identity",
    "chime_messaging": "chime-sdk-messaging",
    "chime_meetings": "chime-sdk-meetings",
    "chime_voice": "chime-sdk-voice",
    "pinpoint": "pinpoint",
    "sts": "sts",
}

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


class AwsClients:
    """A set of lazily created clients; pass one into the code that talks to AWS.

    boto3 itself honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, which is how the
    same code reaches the local stack.
    """

    def __init__(self, region: str | None = None, connect_timeout: float = 3, read_timeout: float = 10,
                 max_attempts: int = 3):
        self._region = region
        self._timeouts = (connect_timeout, read_timeout, max_attempts)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._session: Any = None

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
        existing = self._clients.get(service)
        if existing is not None:
            return existing
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._make(service)
            return self._clients[service]

    def __getattr__(self, name: str) -> Any:
        service = _CLIENT_NAMES.get(name)
        if service is None:
            raise AttributeError(name)
        return self.client(service)


_default: AwsClients | None = None


def default_clients() -> AwsClients:
    """The process-wide client set, created on first use (never at import)."""
    global _default
    if _default is None:
        _default = AwsClients()
    return _default


def reset_default_clients() -> None:
    """Forget cached clients (tests that change endpoints or credentials)."""
    global _default
    _default = None


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


# The codes AWS services use for "slow down" (throttling, rate and attempt limits); every
# service maps these to 429 the same way.
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "ThrottledClientException", "Throttled",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "LimitExceededException", "ResourceLimitExceededException", "ResourceLimitExceeded", "SlowDown",
    "RequestThrottled", "RequestThrottledException",
})


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def is_aws_failure(exc: BaseException) -> bool:
    """A ClientError or any other botocore failure (connection, timeout, parsing)."""
    if error_code(exc) is not None:
        return True
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:  # pragma: no cover - botocore is always present in a service
        return False
    return isinstance(exc, BotoCoreError)
