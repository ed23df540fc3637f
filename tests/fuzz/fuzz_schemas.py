"""How schemathesis is set up for this suite: the documents it loads, the Hypothesis settings,
the date-time values it generates and the checks every response must pass."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import hypothesis
import schemathesis
from hypothesis import strategies as st
from schemathesis import checks

DOCUMENTS = Path(__file__).resolve().parents[2] / "docs" / "api"

# Per operation in the fuzzing phase (the coverage phase runs its own fixed set of cases).
# CI keeps the default; FUZZ_MAX_EXAMPLES=1000 digs deeper on a workstation.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "100"))

FUZZ_SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=False,
    # Every request crosses processes (and often Cognito, DynamoDB and Chime in the endpoint):
    # slow by Hypothesis's standards, and the generators filter hard on the strict schemas.
    suppress_health_check=[hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.filter_too_much,
                           hypothesis.HealthCheck.data_too_large, hypothesis.HealthCheck.large_base_example],
)


def _config(phase: str) -> schemathesis.Config:
    # Built from a dict so that a schemathesis.toml somewhere up the tree cannot change what CI runs.
    return schemathesis.Config.from_dict({
        "seed": 9,
        "generation": {"mode": "all"},
        "phases": {name: {"enabled": name == phase} for name in ("examples", "coverage", "fuzzing", "stateful")},
    })


def load_schema(service: str, phase: str) -> schemathesis.BaseSchema:
    """The service's checked-in OpenAPI document, for one schemathesis phase: "coverage"
    (boundary values; missing, extra and mistyped fields; unexpected methods and content
    types) or "fuzzing" (Hypothesis-generated requests). They are separate tests because a
    failing coverage case would otherwise keep the operation from being fuzzed at all.

    The document is loaded at collection time, before any stack runs, and CaseRunner refuses
    to send anything unless the running service serves exactly this document.
    schemathesis.pytest.from_fixture would load the served one lazily, but in 4.32.5 it sets
    `Function._nodeid`, which pytest 9.2 no longer has (AttributeError)."""
    return schemathesis.openapi.from_path(DOCUMENTS / f"{service}.json", config=_config(phase))


def _rfc3339(moment: datetime, offset_minutes: int) -> str:
    stamp = (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
             f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}")
    if offset_minutes == 0:
        return stamp + "Z"
    sign = "+" if offset_minutes > 0 else "-"
    return f"{stamp}{sign}{abs(offset_minutes) // 60:02d}:{abs(offset_minutes) % 60:02d}"


# schemathesis's own date-time values rarely reach the ends of the calendar, where converting a
# local time with an offset to UTC leaves Python's datetime range (years 1..9999); and
# Hypothesis leans towards 2000-01-01, in the past, so far-future values get their own branch
# to reach the success paths of "starts_at must be in the future".
_OFFSETS = st.integers(-(23 * 60 + 59), 23 * 60 + 59)
DATE_TIMES = st.one_of(
    st.builds(_rfc3339, st.datetimes(), st.just(0) | _OFFSETS),
    st.builds(_rfc3339, st.datetimes(datetime(2100, 1, 1), datetime(9998, 12, 31)), st.just(0) | _OFFSETS),
    st.builds(_rfc3339, st.sampled_from([datetime(9999, 12, 31, 23, 59, 59), datetime(1, 1, 1)]), _OFFSETS),
)
schemathesis.openapi.format("date-time", DATE_TIMES)


@schemathesis.check
def api_error_body(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                   case: schemathesis.Case) -> bool | None:
    """Every error has the API's body, including those provoked by schemathesis's request-shape
    probes (unexpected methods and content types), which no OpenAPI document describes."""
    if response.status_code < 400:
        return None
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if not (isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str)):
        raise AssertionError(f"{response.status_code} without API.md's error body "
                             f"{{\"error\": {{\"code\", \"message\"}}}}: {response.text[:300]!r}")
    return True


# Not 5xx; a documented status, content type and body; the API's error body on every error.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, api_error_body]
