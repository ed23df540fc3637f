"""Confirms a sign-up with the e-mailed code; Cognito then runs the post-confirmation trigger."""
from __future__ import annotations

import logging

from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import error_code, is_aws_failure
from telehealth_shared.config import Settings
from telehealth_shared.log import log_event
from telehealth_shared.models.identity import ConfirmRequest, ConfirmResponse

from .parts.cognito_errors import translate

logger = logging.getLogger("telehealth.identity.confirm")

# What ConfirmSignUp answers when the post-confirmation trigger raised, timed out or returned
# garbage; in each case Cognito has already confirmed the user.
_TRIGGER_FAILURES = frozenset({"UnexpectedLambdaException", "UserLambdaValidationException",
                               "InvalidLambdaResponseException"})


def confirm_sign_up(clients: AwsClients, settings: Settings, request: ConfirmRequest) -> ConfirmResponse:
    try:
        clients.cognito.confirm_sign_up(
            ClientId=settings.require("user_pool_client_id"),
            Username=request.email,
            ConfirmationCode=request.code,
        )
    except Exception as exc:
        if not is_aws_failure(exc):
            raise
        if error_code(exc) in _TRIGGER_FAILURES:
            # Cognito confirmed the user but the trigger failed; sign-in repairs provisioning.
            log_event(logger, "post_confirmation_trigger_failed", logging.WARNING)
            return ConfirmResponse()
        raise translate(exc, "confirm") from exc
    return ConfirmResponse()
