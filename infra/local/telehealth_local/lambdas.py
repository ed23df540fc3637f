"""How the local stack invokes a service's Lambda handler (the seam AWS Lambda is locally)."""
from __future__ import annotations

import re
from typing import Any, Protocol

# Chalice names deployed functions <app_name>-<stage>-<function name>; our app names are
# telehealth-<service>, and the function name is the Python name of the handler in app.py.
FUNCTION_NAME = re.compile(r"^telehealth-(?P<service>identity|scheduling|messaging|calling)-(?P<stage>[A-Za-z0-9_]+)-(?P<handler>[A-Za-z_][A-Za-z0-9_]*)$")


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


def parse_function(function: str) -> tuple[str, str, str]:
    """(service, stage, handler) from a function name or ARN (…:function:NAME[:qualifier])."""
    name = function
    if function.startswith("arn:"):
        parts = function.split(":")
        name = parts[6] if len(parts) > 6 else parts[-1]
    match = FUNCTION_NAME.match(name)
    if not match:
        raise ValueError(f"not a telehealth function name: {name}")
    return match["service"], match["stage"], match["handler"]
