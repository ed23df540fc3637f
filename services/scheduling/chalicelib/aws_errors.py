"""Translates AWS error codes met by the scheduling service into its domain errors (the one place)."""
from __future__ import annotations

from telehealth_shared.aws import error_code
from telehealth_shared.errors import DomainError, TooManyRequests, Unavailable

THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "RequestLimitExceeded", "LimitExceededException",
    "RequestThrottled", "RequestThrottledException",
})

CONDITION_FAILED = "ConditionalCheckFailedException"
CHANNEL_EXISTS = "ConflictException"
USER_NOT_FOUND = "UserNotFoundException"
EXECUTION_GONE = "ExecutionDoesNotExist"
NOT_FOUND_CODES = frozenset({"NotFoundException", "ResourceNotFoundException"})


def is_aws_error(exc: BaseException) -> bool:
    """A ClientError or any other botocore failure (connection, timeout, parsing)."""
    if hasattr(exc, "response"):
        return True
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:  # pragma: no cover - botocore is always present
        return False
    return isinstance(exc, BotoCoreError)


def dependency_failed(exc: BaseException) -> DomainError:
    """What the caller sees when an AWS call failed and everything before it was undone."""
    if error_code(exc) in THROTTLING_CODES:
        return TooManyRequests("A dependency is throttling requests; nothing was changed. Try again shortly.")
    return Unavailable()
