"""Which browser origins may call the services, and with which headers: one CORS
configuration per stage, applied to every route locally and in API Gateway alike."""
from __future__ import annotations

import os
import re

from chalice import CORSConfig

from .errors import ConfigurationError

# The web console that `make run` serves; a stage deployed elsewhere sets its own origin.
DEFAULT_ALLOW_ORIGIN = "http://127.0.0.1:8000"
DEFAULT_MAX_AGE_SECONDS = 600
# Every request header the API reads (Chalice adds Content-Type and Authorization itself).
ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id")
# Response headers a browser script may read.
EXPOSE_HEADERS = ("x-request-id", "Idempotent-Replayed", "Retry-After")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def cors_config() -> CORSConfig:
    """The stage's CORS settings: `TELEHEALTH_CORS_ALLOW_ORIGIN` (one origin, scheme://host[:port];
    API Gateway's generated preflight answers one static origin) and `TELEHEALTH_CORS_MAX_AGE`
    (seconds browsers may cache a preflight). Read when the app's routes are declared, so
    `chalice package` bakes the stage's values into the API Gateway OPTIONS methods."""
    origin = os.environ.get("TELEHEALTH_CORS_ALLOW_ORIGIN") or DEFAULT_ALLOW_ORIGIN
    if not _ORIGIN.match(origin):
        raise ConfigurationError("TELEHEALTH_CORS_ALLOW_ORIGIN must be one origin such as https://console.example.org")
    raw_max_age = os.environ.get("TELEHEALTH_CORS_MAX_AGE") or str(DEFAULT_MAX_AGE_SECONDS)
    if not raw_max_age.isdigit():
        raise ConfigurationError("TELEHEALTH_CORS_MAX_AGE must be a number of seconds")
    return CORSConfig(allow_origin=origin, allow_headers=list(ALLOW_HEADERS),
                      expose_headers=list(EXPOSE_HEADERS), max_age=int(raw_max_age))
