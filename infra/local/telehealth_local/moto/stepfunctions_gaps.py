"""Step Functions gaps of moto 5.2.5: answers the operations it lacks but the Terraform AWS
provider calls on every plan (ValidateStateMachineDefinition, ListStateMachineVersions), and
makes its timestamp Wait wait until the UTC instant (install_wait_fix)."""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable

TARGET_PREFIX = "AWSStepFunctions."
OPERATIONS = frozenset({"ValidateStateMachineDefinition", "ListStateMachineVersions"})
STATE_TYPES = frozenset({"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"})


def handles(environ: dict[str, Any]) -> bool:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return target.startswith(TARGET_PREFIX) and target[len(TARGET_PREFIX):] in OPERATIONS


def _diagnostic(code: str, message: str, location: str) -> dict[str, str]:
    return {"severity": "ERROR", "code": code, "message": message, "location": location}


def _check_states(states: Any, start_at: Any, where: str) -> list[dict[str, str]]:
    """The structural rules of Amazon States Language (not every rule AWS checks)."""
    if not isinstance(states, dict) or not states:
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", "States must be a non-empty object", f"{where}/States")]
    problems = []
    if start_at not in states:
        problems.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "StartAt must name a state", f"{where}/StartAt"))
    for name, state in states.items():
        path = f"{where}/States/{name}"
        if not isinstance(state, dict) or state.get("Type") not in STATE_TYPES:
            problems.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "Type is missing or unknown", f"{path}/Type"))
            continue
        following = state.get("Next")
        if following is not None and following not in states:
            problems.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "Next must name a state", f"{path}/Next"))
        terminal = state["Type"] in ("Succeed", "Fail", "Choice")
        if not terminal and following is None and state.get("End") is not True:
            problems.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "a state needs Next or End", path))
        iterator = state.get("ItemProcessor") or state.get("Iterator")
        if state["Type"] == "Map" and isinstance(iterator, dict):
            problems += _check_states(iterator.get("States"), iterator.get("StartAt"), f"{path}/Iterator")
        for index, branch in enumerate(state.get("Branches") or []):
            if isinstance(branch, dict):
                problems += _check_states(branch.get("States"), branch.get("StartAt"), f"{path}/Branches/{index}")
    return problems


def validate(definition: Any) -> dict[str, Any]:
    try:
        document = json.loads(definition) if isinstance(definition, str) else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return {"result": "FAIL", "diagnostics": [
            _diagnostic("INVALID_JSON_DESCRIPTION", "the definition is not a JSON object", "/")]}
    problems = _check_states(document.get("States"), document.get("StartAt"), "")
    return {"result": "FAIL" if problems else "OK", "diagnostics": problems}


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    operation = environ.get("HTTP_X_AMZ_TARGET", "")[len(TARGET_PREFIX):]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        params = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except ValueError:
        params = None
    status, body = "200 OK", {}
    if not isinstance(params, dict):
        status, body = "400 Bad Request", {"__type": "ValidationException", "message": "the request body is not JSON"}
    elif operation == "ValidateStateMachineDefinition":
        if not params.get("definition"):
            status, body = "400 Bad Request", {"__type": "ValidationException", "message": "definition is required"}
        else:
            body = validate(params["definition"])
    elif not params.get("stateMachineArn"):
        status, body = "400 Bad Request", {"__type": "ValidationException", "message": "stateMachineArn is required"}
    else:
        # moto publishes no versions, so there is never one to list.
        body = {"stateMachineVersions": []}
    payload = json.dumps(body).encode()
    headers = [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(payload)))]
    if status != "200 OK":
        headers.append(("x-amzn-ErrorType", body["__type"]))
    start_response(status, headers)
    return [payload]


def install_wait_fix() -> None:
    """Make moto's `Wait` with `Timestamp`/`TimestampPath` wait until that UTC instant, never less.

    moto 5.2.5 parses the timestamp into a naive datetime and subtracts naive *local* time
    (so with TZ=Asia/Tokyo every wait ends at once), drops the fraction of a second, and
    truncates the difference to whole seconds (up to a second early). AWS waits until the
    instant itself: here the difference is taken against UTC from the full timestamp and
    rounded up. Idempotent; call before the first execution starts.
    """
    import datetime
    import math

    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp

    if getattr(Timestamp._get_wait_seconds, "_telehealth_utc", False):
        return

    def _get_wait_seconds(self: Any, env: Any) -> int:
        self.string.eval(env=env)
        timestamp_str = env.stack.pop()
        if self._from_timestamp_string(timestamp=timestamp_str) is None:
            raise FailureEventException(self._create_failure_event(env, timestamp_str))
        instant = datetime.datetime.fromisoformat(timestamp_str.replace("Z", "+00:00"))
        remaining = (instant - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        return max(0, math.ceil(remaining))

    _get_wait_seconds._telehealth_utc = True  # type: ignore[attr-defined]
    Timestamp._get_wait_seconds = _get_wait_seconds
