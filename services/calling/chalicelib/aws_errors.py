"""Translates AWS error codes met by the calling service into domain errors (the one place).

botocore reports the `x-amzn-ErrorType` header's name (`NotFoundException`) when it is
present and the body's `Code` (`NotFound`) otherwise, so both spellings are accepted.
"""
from __future__ import annotations

from telehealth_shared.aws import error_code, is_aws_failure, is_throttling
from telehealth_shared.errors import Conflict, DomainError, TooManyRequests, Unavailable

_NOT_FOUND = frozenset({"NotFoundException", "NotFound", "ResourceNotFoundException"})


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) in _NOT_FOUND


def is_condition_failed(exc: BaseException) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


is_aws_error = is_aws_failure


def translate(exc: BaseException, operation: str) -> DomainError:
    """The domain error an AWS failure of `operation` means for the caller.

    A BadRequest from CreateSipMediaApplicationCall stays a 503: the numbers come from
    Cognito (validated E.164) and from settings, and an unknown SIP media application is
    also answered with BadRequest, so it points at the deployment, not at the caller.
    """
    code = error_code(exc)
    if is_throttling(exc):
        return TooManyRequests("Too many requests to the calling service; try again shortly.")
    if operation == "patient_profile" and code == "UserNotFoundException":
        return Conflict("The patient's account no longer exists.")
    return Unavailable()
