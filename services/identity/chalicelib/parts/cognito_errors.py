"""What Cognito's error codes mean for each identity operation (codes only identity meets);
reading the code, throttling and the 503 fallback are telehealth_shared.aws_errors'."""
from __future__ import annotations

from telehealth_shared.aws_errors import USER_NOT_FOUND, error_code, error_message
from telehealth_shared.aws_errors import translate as translate_aws
from telehealth_shared.errors import (Conflict, DomainError, Forbidden, TooManyRequests, Unauthorized,
                                      ValidationFailed)

_WRONG_CREDENTIALS = "The e-mail or password is wrong."
_TOO_MANY_ATTEMPTS = "Too many attempts; wait a moment and try again."


def _locked_out(exc: Exception) -> bool:
    # Cognito reports its sign-in lockout with the same code as a wrong password; its message
    # is the only thing that tells them apart, so this one check has to read it.
    return "attempts exceeded" in error_message(exc).lower()


def _meanings(exc: Exception, operation: str) -> dict[str, DomainError]:
    meanings: dict[str, DomainError] = {"TooManyFailedAttemptsException": TooManyRequests(_TOO_MANY_ATTEMPTS)}
    if operation == "sign_up":
        from telehealth_shared.models.identity import PASSWORD_RULES

        meanings.update({
            "UsernameExistsException": Conflict("An account with this e-mail address already exists."),
            "InvalidPasswordException": ValidationFailed(
                "The password is too weak.", [{"path": "$.password", "message": f"password needs {PASSWORD_RULES}"}]),
            "InvalidParameterException": ValidationFailed("Cognito rejected the sign-up attributes."),
        })
    elif operation == "confirm":
        # Unknown e-mails get the same answer as wrong codes: no account enumeration.
        wrong_code = ValidationFailed("The confirmation code is wrong or has expired.",
                                      [{"path": "$.code", "message": "wrong or expired code"}])
        meanings.update(dict.fromkeys(("CodeMismatchException", "ExpiredCodeException", USER_NOT_FOUND), wrong_code))
        meanings["NotAuthorizedException"] = Conflict("This account is already confirmed.")
    elif operation in ("sign_in", "refresh"):
        refused = Unauthorized(_WRONG_CREDENTIALS if operation == "sign_in" else "The refresh token is not valid.")
        meanings.update(dict.fromkeys(("NotAuthorizedException", USER_NOT_FOUND), refused))
        if error_code(exc) == "NotAuthorizedException" and _locked_out(exc):
            meanings["NotAuthorizedException"] = TooManyRequests(
                "Too many failed sign-ins; wait a few minutes and try again.")
        meanings["UserNotConfirmedException"] = Forbidden("Confirm your e-mail address before signing in.")
        meanings["PasswordResetRequiredException"] = Forbidden("A password reset is required before signing in.")
    elif operation == "profile":
        meanings[USER_NOT_FOUND] = Unauthorized("The account no longer exists.")
    return meanings


def translate(exc: Exception, operation: str) -> DomainError:
    """The domain error a Cognito failure of `operation` means for the caller."""
    return translate_aws(exc, _meanings(exc, operation), throttled=_TOO_MANY_ATTEMPTS)
