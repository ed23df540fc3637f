"""moto's server application, run inside the endpoint process and configured for the local stack."""
from __future__ import annotations

import os
from typing import Any

from .stepfunctions_gaps import install_wait_fix


def configure_moto(port: int) -> None:
    """Set moto's process-wide configuration before the first request reaches it.

    moto's Step Functions interpreter calls Lambda through boto3 at
    http://localhost:$MOTO_PORT, so MOTO_PORT must name this endpoint's own port: that is
    how a state machine's `lambda:invoke` task comes back through our router to the
    LambdaInvoker. Executing state machines is off by default in moto.
    """
    os.environ["MOTO_PORT"] = str(port)
    from moto.core.config import default_user_config

    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    # moto's timestamp Wait compares against local time: reminders must not fire early.
    install_wait_fix()
    # "use_docker" stays True on purpose: it selects moto's full Lambda backend, whose
    # LambdaFunction._invoke_lambda we replace (glue.lambda_service.moto_hook); the
    # docker-free "simple" backend answers canned responses instead of running handlers.
    default_user_config["lambda"] = {"use_docker": True}


def make_moto_app() -> Any:
    """moto's WSGI dispatcher (the app `moto_server` serves), one per process, with DynamoDB
    writes made atomic (SerialisedDynamoDbWrites)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return SerialisedDynamoDbWrites(DomainDispatcherApplication(create_backend_app))


class SerialisedDynamoDbWrites:
    """Runs DynamoDB's writes one at a time, as DynamoDB applies each to its item atomically.

    moto checks a ConditionExpression and then writes, with nothing between the two held:
    two concurrent conditional writes to one item (an idempotency claim, a rate limit slot)
    could both pass. Reads are left concurrent. moto builds the whole response inside the
    call, so holding the lock for the call covers the write.
    """

    WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
    PREFIX = "DynamoDB_20120810."

    def __init__(self, app: Any):
        import threading

        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith(self.PREFIX) and target[len(self.PREFIX):] in self.WRITES:
            with self.lock:
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def request_handler_class() -> Any:
    """moto's werkzeug request handler: keeps header names with underscores intact."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    return MotoRequestHandler

