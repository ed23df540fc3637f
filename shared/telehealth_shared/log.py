"""Structured JSON logging on AWS Lambda Powertools' formatter; records carry ids and outcomes, never PHI."""
from __future__ import annotations

import contextvars
import json
import logging
import sys
from typing import Any

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Field names that could carry PHI or secrets; a value logged under one of them is dropped.
# This is a safety net: call sites are written to log only ids, codes and counts.
_FORBIDDEN_FIELDS = frozenset({
    "name", "email", "phone", "phone_number", "content", "text", "body", "token", "id_token",
    "access_token", "refresh_token", "password", "code", "authorization", "message_text",
    "to", "from", "address", "spoken", "digits",
})


def _dumps(entry: Any) -> str:
    return json.dumps(entry, default=str)


class JsonFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON layout (timestamp, level, service, location, X-Ray trace id) with our
    request id as the correlation id, the event name under `event`, and the PHI filter."""

    def __init__(self, service: str):
        # json.dumps' own separators: the log lines keep the shape readers and tools grep for.
        super().__init__(json_serializer=_dumps, utc=True, use_rfc3339=True, serialize_stacktrace=False)
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "timestamp": self.formatTime(record),
            "service": self.service,
            "logger": record.name,
            "event": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = entry["correlation_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            for key, value in fields.items():
                if key.lower() not in _FORBIDDEN_FIELDS and key not in entry:
                    entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # Only the exception type: messages of AWS errors can echo request values.
            entry["exception"] = record.exc_info[0].__name__
        trace_id = self._get_latest_trace_id()
        if trace_id:
            entry["xray_trace_id"] = trace_id
        return self.serialize(log=entry)


_configured: set[str] = set()


def configure(service: str, level: int = logging.INFO) -> None:
    """Route the root logger through the JSON formatter once per process (every module's
    `logging.getLogger(__name__)` reaches it, whenever it was created)."""
    if service in _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # botocore at DEBUG would print request bodies (PHI); keep it quiet.
    logging.getLogger("botocore").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    _configured.add(service)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event name with non-PHI fields (ids, counts, codes)."""
    logger.log(level, event, extra={"fields": fields})
