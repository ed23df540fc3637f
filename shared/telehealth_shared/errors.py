"""Domain errors: each carries the API error code and HTTP status it maps to, in one place."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service turns into an API error body."""

    status: int = 500
    code: str = "InternalError"
    default_message: str = "The request could not be completed."

    def __init__(self, message: str | None = None, details: list[dict[str, Any]] | None = None):
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)


class ValidationFailed(DomainError):
    status, code = 400, "ValidationError"
    default_message = "The request is not valid."


class Unauthorized(DomainError):
    status, code = 401, "Unauthorized"
    default_message = "Authentication is required."


class Forbidden(DomainError):
    status, code = 403, "Forbidden"
    default_message = "You are not allowed to do this."


class NotFound(DomainError):
    status, code = 404, "NotFound"
    default_message = "No such resource."


class Conflict(DomainError):
    status, code = 409, "Conflict"
    default_message = "The resource's state does not allow this."


class PayloadTooLarge(DomainError):
    status, code = 413, "PayloadTooLarge"
    default_message = "The request body is too large."


class TooManyRequests(DomainError):
    status, code = 429, "TooManyRequests"
    default_message = "Too many requests; try again later."

    def __init__(self, message: str | None = None, details: list[dict[str, Any]] | None = None,
                 retry_after: int | None = None):
        super().__init__(message, details)
        # Whole seconds until a retry can succeed, answered as the Retry-After header.
        self.retry_after = retry_after


class Unavailable(DomainError):
    status, code = 503, "Unavailable"
    default_message = "A dependency is unavailable; nothing was changed. Try again later."


class ConfigurationError(DomainError):
    """The deployment is missing a setting: an operator problem, reported as 503."""

    status, code = 503, "Unavailable"
    default_message = "The service is not configured."

    def __init__(self, detail: str):
        # The detail names the missing setting for operators' logs; callers see the default.
        super().__init__(None)
        self.detail = detail
