"""Makes moto's Lambda backend run functions through the local stack's invoker instead of Docker."""
from __future__ import annotations

import json
import logging
import threading
from typing import Any

from ...lambdas import LambdaInvocationError

logger = logging.getLogger("telehealth_local.lambda_runtime")


def install_moto_hook(invoker: Any) -> None:
    """Make moto's Lambda backend run functions through `invoker` instead of Docker.

    moto's LambdaFunction.invoke calls _invoke_lambda(event) and expects
    (payload text, errored, logs); when errored it sets X-Amz-Function-Error, and Step
    Functions then takes the payload's errorType as the task's error name, which is what
    the state machine's Retry/Catch match. Only this process is patched.
    """
    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        if isinstance(event, (str, bytes)):
            event = json.loads(event or "{}")
        try:
            result = invoker.invoke(self.function_arn, {} if event is None else event, timeout=float(self.timeout))
        except LambdaInvocationError as exc:
            logger.info("function %s failed: %s", self.function_name, exc.error_type)
            return json.dumps({"errorType": exc.error_type, "errorMessage": exc.message}), True, ""
        return json.dumps(result), False, ""

    original_invoke = LambdaFunction.invoke

    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
        if invocation_type == "Event":
            # Asynchronous invocation: AWS queues the event and answers 202 at once.
            event = json.loads(body) if body else {}
            threading.Thread(target=_invoke_lambda, args=(self, event), daemon=True,
                             name=f"lambda-event-{self.function_name}").start()
            return ""
        payload = original_invoke(self, body, request_headers, response_headers)
        if response_headers.get("x-amz-function-error") == "Handled":
            # AWS reports an exception raised by a handler as "Unhandled".
            response_headers["x-amz-function-error"] = "Unhandled"
        return payload

    LambdaFunction._invoke_lambda = _invoke_lambda
    LambdaFunction.invoke = invoke
