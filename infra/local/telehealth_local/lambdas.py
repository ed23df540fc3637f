"""How the local stack invokes a service's Lambda handler (the seam AWS Lambda is locally)."""
from __future__ import annotations

import re
from typing import Any, Protocol

from .layout import SERVICES

# Chalice names deployed functions <app_name>-<stage>-<function name>; our app names are
# telehealth-<service>, and the function name is the Python name of the handler in app.py.
FUNCTION_NAME = re.compile(rf"^telehealth-(?P<service>{'|'.join(SERVICES)})-(?P<stage>[A-Za-z0-9_]+)-(?P<handler>[A-Za-z_][A-Za-z0-9_]*)$")


class LambdaInvocationError(Exception):
    """The handler raised (AWS reports this as a function error, not an API error)."""

    def __init__(self, function: str, error_type: str, message: str):
        super().__init__(f"{function}: {error_type}")
        self.function = function
        self.error_type = error_type
        self.message = message


class LambdaInvoker(Protocol):
    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Run the handler named by a function name or ARN with `event`; return its result.

        Raises LambdaInvocationError when the handler raises.
        """


def bare_function_name(function: str) -> str:
    """The function's name from a function name or ARN (…:function:NAME[:qualifier])."""
    if function.startswith("arn:"):
        parts = function.split(":")
        return parts[6] if len(parts) > 6 else parts[-1]
    return function


def parse_function(function: str) -> tuple[str, str, str]:
    """(service, stage, handler) from a function name or ARN (…:function:NAME[:qualifier])."""
    name = bare_function_name(function)
    match = FUNCTION_NAME.match(name)
    if not match:
        raise ValueError(f"not a telehealth function name: {name}")
    return match["service"], match["stage"], match["handler"]
