"""Translates Cognito error codes into the identity service's domain errors (the one place)."""
from __future__ import annotations

from telehealth_shared.aws import error_code
from telehealth_shared.errors import (Conflict, DomainError, Forbidden, TooManyRequests, Unauthorized,
                                      Unavailable, ValidationFailed)

_WRONG_CREDENTIALS = "The e-mail or password is wrong."


def _locked_out(exc: Exception) -> bool:
    # Cognito reports its sign-in lockout with the same code as a wrong password; the message
    # is the only thing that tells them apart, so this one check has to read it.
    message = getattr(exc, "response", {}).get("Error", {}).get("Message", "")
    return "attempts exceeded" in message.lower()


def translate(exc: Exception, operation: str) -> DomainError:
    """The domain error a Cognito failure of `operation` means for the caller."""
    code = error_code(exc)
    if code in ("TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException"):
        return TooManyRequests("Too many attempts; wait a moment and try again.")
    if operation == "sign_up":
        if code == "UsernameExistsException":
            return Conflict("An account with this e-mail address already exists.")
        if code == "InvalidPasswordException":
            from telehealth_shared.models.identity import PASSWORD_RULES

            return ValidationFailed("The password is too weak.",
                                    [{"path": "$.password", "message": f"password needs {PASSWORD_RULES}"}])
        if code == "InvalidParameterException":
            return ValidationFailed("Cognito rejected the sign-up attributes.")
    if operation == "confirm":
        if code in ("CodeMismatchException", "ExpiredCodeException", "UserNotFoundException"):
            # Unknown e-mails get the same answer as wrong codes: no account enumeration.
            return ValidationFailed("The confirmation code is wrong or has expired.",
                                    [{"path": "$.code", "message": "wrong or expired code"}])
        if code == "NotAuthorizedException":
            return Conflict("This account is already confirmed.")
    if operation in ("sign_in", "refresh"):
        if code == "NotAuthorizedException" and _locked_out(exc):
            return TooManyRequests("Too many failed sign-ins; wait a few minutes and try again.")
        if code in ("NotAuthorizedException", "UserNotFoundException"):
            message = _WRONG_CREDENTIALS if operation == "sign_in" else "The refresh token is not valid."
            return Unauthorized(message)
        if code == "UserNotConfirmedException":
            return Forbidden("Confirm your e-mail address before signing in.")
        if code == "PasswordResetRequiredException":
            return Forbidden("A password reset is required before signing in.")
    if operation == "profile" and code == "UserNotFoundException":
        return Unauthorized("The account no longer exists.")
    return Unavailable()
