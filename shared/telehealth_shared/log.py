"""Structured JSON logging with a request id; log records carry ids and outcomes, never PHI."""
from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Field names that could carry PHI or secrets; a value logged under one of them is dropped.
# This is a safety net: call sites are written to log only ids, codes and counts.
_FORBIDDEN_FIELDS = frozenset({
    "name", "email", "phone", "phone_number", "content", "text", "body", "token", "id_token",
    "access_token", "refresh_token", "password", "code", "authorization", "message_text",
    "to", "from", "address", "spoken", "digits",
})


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "event": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            for key, value in fields.items():
                if key.lower() in _FORBIDDEN_FIELDS:
                    continue
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # Only the exception type: messages of AWS errors can echo request values.
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


_configured: set[str] = set()


def configure(service: str, level: int = logging.INFO) -> None:
    """Route the root logger through the JSON formatter once per process."""
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
