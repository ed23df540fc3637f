"""Translates Chime SDK messaging and STS error codes into the messaging service's domain errors
(the one place where AWS error codes are interpreted)."""
from __future__ import annotations

from telehealth_shared.aws import error_code, is_aws_failure, is_throttling
from telehealth_shared.errors import DomainError, TooManyRequests, Unavailable, ValidationFailed



def translate(exc: Exception, operation: str) -> DomainError:
    """The domain error a failed AWS call of `operation` means for the caller.

    A Forbidden/NotFound from Chime for a caller whom the appointments table lists as a
    participant means the channel and the table disagree (an operator problem, not the
    caller's), so it is a 503 like any other dependency failure: nothing was changed.
    """
    code = error_code(exc)
    if is_throttling(exc):
        return TooManyRequests()
    if operation == "list_messages" and code in ("BadRequestException", "BadRequest"):
        # The only caller-controlled input of ListChannelMessages is the page token.
        return ValidationFailed("The page token is not valid.",
                                [{"path": "query.next_token", "message": "not a token this service issued"}])
    if operation == "send_message" and code in ("BadRequestException", "BadRequest"):
        return ValidationFailed("Chime refused the message content.",
                                [{"path": "$.content", "message": "refused by the messaging service"}])
    return Unavailable()


is_aws_error = is_aws_failure
