"""Sends each request the endpoint receives to the one application that answers it, after IAM has had its say."""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .control.api import is_control_request
from .glue.apigateway import ApiGatewayGlue
from .glue.cognito.middleware import CognitoGlue
from .iam.enforcement import IamEnforcer
from .moto import stepfunctions_gaps

logger = logging.getLogger("telehealth_local.endpoint")

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Router:
    """Sends each request to the one application that answers it."""

    control: Wsgi
    glue: CognitoGlue
    is_emulated: Callable[[dict[str, Any]], bool]
    emulator: Wsgi
    moto: Wsgi
    iam: IamEnforcer | None = None
    apigateway: ApiGatewayGlue | None = None

    def route(self, environ: dict[str, Any]) -> tuple[str, Wsgi]:
        if is_control_request(environ):
            return "control", self.control
        if self.glue.handles(environ):
            return "cognito-glue", self.glue
        if stepfunctions_gaps.handles(environ):
            return "stepfunctions-gaps", stepfunctions_gaps.app
        if self.apigateway is not None and self.apigateway.handles(environ):
            return "apigateway-glue", self.apigateway
        if self.is_emulated(environ):
            return "emulator", self.emulator
        return "moto", self.moto

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        name, app = self.route(environ)
        try:
            # Stage URLs are the deployed API's own (unsigned) HTTP requests, not AWS API calls.
            if self.iam is not None and name not in ("control", "apigateway-glue"):
                refusal = self.iam.check(environ)
                if refusal is not None:
                    return refusal(environ, start_response)
            return app(environ, start_response)
        except Exception as exc:  # answer like AWS's internal failure instead of an HTML page
            logger.exception("unhandled %s in %s for %s %s", type(exc).__name__, name,
                             environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            body = b'{"__type": "InternalFailure", "message": "The local stack failed to handle the request."}'
            start_response("500 Internal Server Error", [
                ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                ("x-amzn-ErrorType", "InternalFailure")], sys.exc_info())
            return [body]

