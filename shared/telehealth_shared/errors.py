"""Domain errors: each carries the API error code and HTTP status it maps to, in one place."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service turns into an API error body; a subclass names its HTTP
    status, API code and default message in its class line."""

    status: int = 500
    code: str = "InternalError"
    default_message: str = "The request could not be completed."

    def __init_subclass__(cls, status: int | None = None, code: str | None = None, message: str | None = None,
                          **kwargs: Any):
        super().__init_subclass__(**kwargs)
        cls.status = status or cls.status
        cls.code = code or cls.code
        cls.default_message = message or cls.default_message

    def __init__(self, message: str | None = None, details: list[dict[str, Any]] | None = None):
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)


class ValidationFailed(DomainError, status=400, code="ValidationError", message="The request is not valid."):
    pass


class Unauthorized(DomainError, status=401, code="Unauthorized", message="Authentication is required."):
    pass


class Forbidden(DomainError, status=403, code="Forbidden", message="You are not allowed to do this."):
    pass


class NotFound(DomainError, status=404, code="NotFound", message="No such resource."):
    pass


class Conflict(DomainError, status=409, code="Conflict", message="The resource's state does not allow this."):
    pass


class PayloadTooLarge(DomainError, status=413, code="PayloadTooLarge", message="The request body is too large."):
    pass


class TooManyRequests(DomainError, status=429, code="TooManyRequests", message="Too many requests; try again later."):
    def __init__(self, message: str | None = None, details: list[dict[str, Any]] | None = None,
                 retry_after: int | None = None):
        super().__init__(message, details)
        # Whole seconds until a retry can succeed, answered as the Retry-After header.
        self.retry_after = retry_after


class Unavailable(DomainError, status=503, code="Unavailable",
                  message="A dependency is unavailable; nothing was changed. Try again later."):
    pass


class ConfigurationError(DomainError, status=503, code="Unavailable", message="The service is not configured."):
    """The deployment is missing a setting: an operator problem, reported as 503."""

    def __init__(self, detail: str):
        # The detail names the missing setting for operators' logs; callers see the default.
        super().__init__(None)
        self.detail = detail
