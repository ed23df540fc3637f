"""X-Ray tracing through Powertools Tracer: on Lambda every AWS call becomes one subsegment."""
from __future__ import annotations

import os
import threading


class _Tracing:
    lock = threading.Lock()
    started = False


def start_tracing(service: str) -> None:
    """Patch botocore once per Lambda process. Outside Lambda (the local stack, tests) or with
    POWERTOOLS_TRACE_DISABLED set nothing is imported, so cold start stays lean."""
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true"):
        return
    with _Tracing.lock:
        if _Tracing.started:
            return
        from aws_lambda_powertools import Tracer

        Tracer(service=service, patch_modules=["botocore"])
        _Tracing.started = True
