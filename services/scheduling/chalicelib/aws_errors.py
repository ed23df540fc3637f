"""Translates AWS error codes met by the scheduling service into its domain errors (the one place)."""
from __future__ import annotations

from telehealth_shared.aws import is_aws_failure, is_throttling
from telehealth_shared.errors import DomainError, TooManyRequests, Unavailable

CONDITION_FAILED = "ConditionalCheckFailedException"
CHANNEL_EXISTS = "ConflictException"
USER_NOT_FOUND = "UserNotFoundException"
EXECUTION_GONE = "ExecutionDoesNotExist"
NOT_FOUND_CODES = frozenset({"NotFoundException", "ResourceNotFoundException"})


is_aws_error = is_aws_failure


def dependency_failed(exc: BaseException) -> DomainError:
    """What the caller sees when an AWS call failed and everything before it was undone."""
    if is_throttling(exc):
        return TooManyRequests("A dependency is throttling requests; nothing was changed. Try again shortly.")
    return Unavailable()
