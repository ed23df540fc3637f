"""Business metrics in CloudWatch's embedded metric format (Powertools Metrics), one namespace per stage."""
from __future__ import annotations

import threading
import warnings

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

# Audit actions that are also business events; counted when allowed (docs/deploy.md, Alarms).
ACTION_METRICS = {
    "appointment.create": "AppointmentsBooked",
    "appointment.update": "AppointmentsMoved",
    "appointment.cancel": "AppointmentsCancelled",
    "appointment.complete": "AppointmentsCompleted",
    "appointment.no_show": "NoShows",
    "presence.check_in": "CheckIns",
    "message.send": "MessagesSent",
    "meeting.start": "MeetingsStarted",
    "call.place": "PhoneCalls",
}


class MetricsSink:
    """Counts for one service; flushed as one EMF line per request or invocation. The lock keeps
    a threaded local server's concurrent requests from interleaving one buffer."""

    def __init__(self, service: str, stage: str):
        self._metrics = Metrics(service=service, namespace=f"Telehealth/{stage}")
        self._lock = threading.Lock()
        self._pending = 0

    def count(self, name: str, value: int = 1) -> None:
        with self._lock:
            self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
            self._pending += 1

    def flush(self) -> None:
        with self._lock:
            if not self._pending:
                return
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._metrics.flush_metrics()
            self._pending = 0


class _Process:
    """The one service this process serves (two Chalice apps never share a process) and its sink."""

    lock = threading.Lock()
    service: str | None = None
    sink: MetricsSink | None = None


def serving(service: str) -> None:
    """Name the service this process serves; its metrics carry that dimension."""
    with _Process.lock:
        if _Process.service != service:
            _Process.service, _Process.sink = service, None


def current_sink() -> MetricsSink | None:
    """The process's sink, created on first use (never at import); None before `serving`."""
    from .config import get_settings

    with _Process.lock:
        if _Process.service is None:
            return None
        if _Process.sink is None:
            _Process.sink = MetricsSink(_Process.service, get_settings().stage)
        return _Process.sink


def count(name: str, value: int = 1) -> None:
    """Count one business event (AppointmentsBooked, RemindersSent, ...)."""
    sink = current_sink()
    if sink is not None:
        sink.count(name, value)


def flush() -> None:
    """Write what was counted as one EMF log line (end of a request or an invocation)."""
    sink = _Process.sink
    if sink is not None:
        sink.flush()
