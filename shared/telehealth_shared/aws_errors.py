"""Reads AWS failures one way for every service: the error code, whether AWS throttled, and the
domain error (with its HTTP status) a failure means for the caller."""
from __future__ import annotations

from typing import Any, Mapping

from .errors import DomainError, TooManyRequests, Unavailable

# Codes several services test for by name.
CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELED = "TransactionCanceledException"
CONFLICT = "ConflictException"
USER_NOT_FOUND = "UserNotFoundException"
EXECUTION_GONE = "ExecutionDoesNotExist"
# botocore reports the `x-amzn-ErrorType` header's name (`NotFoundException`) when it is
# present and the body's `Code` (`NotFound`) otherwise, so both spellings count.
NOT_FOUND_CODES = frozenset({"NotFoundException", "NotFound", "ResourceNotFoundException"})
BAD_REQUEST_CODES = frozenset({"BadRequestException", "BadRequest"})

# The codes AWS services use for "slow down" (throttling, rate and attempt limits); every
# service maps these to 429 the same way.
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "ThrottledClientException", "Throttled",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "LimitExceededException", "ResourceLimitExceededException", "ResourceLimitExceeded", "SlowDown",
    "RequestThrottled", "RequestThrottledException",
})

THROTTLED_MESSAGE = "A dependency is throttling requests; nothing was changed. Try again shortly."


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def error_message(exc: BaseException) -> str:
    """The AWS error message of a ClientError ("" otherwise); only for the rare AWS answer whose
    code alone is ambiguous, never to choose an HTTP status by wording of our own."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Message") or "")
    return ""


def http_status(exc: BaseException) -> int:
    """The HTTP status AWS answered with (0 when there was no answer)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return 0


def condition_failed_item(exc: BaseException) -> dict[str, Any] | None:
    """The item (DynamoDB's typed form) a failed condition handed back when the write asked
    for it (ReturnValuesOnConditionCheckFailure="ALL_OLD"); None when there was none."""
    response = getattr(exc, "response", None)
    item = response.get("Item") if isinstance(response, dict) else None
    return item or None


def is_client_error(exc: BaseException) -> bool:
    """AWS answered with an error code (as opposed to no answer at all)."""
    return error_code(exc) is not None


def is_aws_failure(exc: BaseException) -> bool:
    """A ClientError or any other botocore failure (connection, timeout, parsing)."""
    if is_client_error(exc):
        return True
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:  # pragma: no cover - botocore is always present in a service
        return False
    return isinstance(exc, BotoCoreError)


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) in NOT_FOUND_CODES


def is_bad_request(exc: BaseException) -> bool:
    return error_code(exc) in BAD_REQUEST_CODES


def is_condition_failed(exc: BaseException) -> bool:
    return error_code(exc) == CONDITION_FAILED


def translate(exc: BaseException, by_code: Mapping[str, DomainError] | None = None, *,
              throttled: str = THROTTLED_MESSAGE) -> DomainError:
    """The domain error an AWS failure means for the caller: 429 when AWS throttled, the
    caller's own meaning of a code (`by_code`), else 503 (a dependency failed; the caller's
    code undid what it had done)."""
    if is_throttling(exc):
        return TooManyRequests(throttled)
    code = error_code(exc)
    if by_code and code in by_code:
        return by_code[code]
    return Unavailable()


def domain_error_for(exc: BaseException) -> DomainError | None:
    """The error the caller should see for an exception that escaped the domain code: itself
    when it is a domain error, the translation of an AWS failure, else None (a bug)."""
    if isinstance(exc, DomainError):
        return exc
    if is_aws_failure(exc):
        return translate(exc)
    return None
