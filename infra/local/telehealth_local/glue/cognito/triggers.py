"""Cognito's PostConfirmation trigger: the event it sends and how a failed invocation answers the caller."""
from __future__ import annotations

import logging
from typing import Any

from ...lambdas import LambdaInvocationError, LambdaInvoker
from .responses import CognitoError

logger = logging.getLogger("telehealth_local.cognito_glue")

# Cognito waits at most 5 seconds for a trigger.
TRIGGER_TIMEOUT_SECONDS = 5.0
# Failures of the Lambda service itself, as opposed to an exception raised by the handler.
_INFRASTRUCTURE_ERRORS = ("Sandbox.", "Runtime.", "ResourceNotFoundException", "ServiceException",
                          "TooManyRequestsException")


def run_post_confirmation(invoker: LambdaInvoker, pool: Any, user: Any, client_id: str | None, client_metadata: Any,
                          timeout: float = TRIGGER_TIMEOUT_SECONDS) -> None:
    """Run the pool's PostConfirmation function, if it has one; raise what Cognito answers when it fails."""
    lambda_config = (pool.extended_config or {}).get("LambdaConfig") or {}
    function_arn = lambda_config.get("PostConfirmation")
    if not function_arn:
        return
    event = post_confirmation_event(pool, user, client_id, client_metadata)
    try:
        result = invoker.invoke(function_arn, event, timeout=timeout)
    except LambdaInvocationError as exc:
        logger.warning("post-confirmation trigger failed pool=%s error=%s", pool.id, exc.error_type)
        if exc.error_type.startswith(_INFRASTRUCTURE_ERRORS):
            if exc.error_type == "Sandbox.Timedout":
                reason = "Socket timeout while invoking Lambda function"
            else:
                reason = exc.error_type
            raise CognitoError("UnexpectedLambdaException",
                               f"PostConfirmation invocation failed due to error {reason}.") from None
        raise CognitoError("UserLambdaValidationException",
                           f"PostConfirmation failed with error {exc.message}.") from None
    if not isinstance(result, dict):
        raise CognitoError("InvalidLambdaResponseException", "Unrecognizable lambda output")


def post_confirmation_event(pool: Any, user: Any, client_id: str | None, client_metadata: Any) -> dict[str, Any]:
    """The event Cognito sends a PostConfirmation trigger after ConfirmSignUp."""
    attributes = dict(user.attribute_lookup)
    attributes["sub"] = user.id
    attributes["cognito:user_status"] = "CONFIRMED"
    attributes.setdefault("email_verified", "true" if attributes.get("email") else "false")
    request: dict[str, Any] = {"userAttributes": attributes}
    if isinstance(client_metadata, dict) and client_metadata:
        request["clientMetadata"] = client_metadata
    return {
        "version": "1",
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id or "CLIENT_ID_NOT_APPLICABLE"},
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": request,
        "response": {},
    }
