"""moto's server application, run inside the endpoint process and configured for the local stack."""
from __future__ import annotations

import os
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


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
    # "use_docker" stays True on purpose: it selects moto's full Lambda backend, whose
    # LambdaFunction._invoke_lambda we replace (lambda_runtime.install_moto_hook); the
    # docker-free "simple" backend answers canned responses instead of running handlers.
    default_user_config["lambda"] = {"use_docker": True}


def make_moto_app() -> Any:
    """moto's WSGI dispatcher (the app `moto_server` serves), one per process."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def request_handler_class() -> Any:
    """moto's werkzeug request handler: keeps header names with underscores intact."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    return MotoRequestHandler

