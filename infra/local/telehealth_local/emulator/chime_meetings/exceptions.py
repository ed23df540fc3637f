"""The Chime SDK meetings errors, named and coded as the service answers them (with RequestId)."""
from __future__ import annotations

from ..errors import AwsServiceError


class MeetingsError(AwsServiceError):
    """Base: `code` is the body's Code, the class name the x-amzn-ErrorType header."""

    code = "ServiceFailure"
    status = 500

    def __init__(self, message: str):
        super().__init__(self.code, message, self.status, type(self).__name__)


class BadRequestException(MeetingsError):
    code, status = "BadRequest", 400


class UnauthorizedException(MeetingsError):
    code, status = "Unauthorized", 401


class ForbiddenException(MeetingsError):
    code, status = "Forbidden", 403


class NotFoundException(MeetingsError):
    code, status = "NotFound", 404


class ConflictException(MeetingsError):
    code, status = "Conflict", 409


class LimitExceededException(MeetingsError):
    code, status = "LimitExceeded", 400


class UnprocessableEntityException(MeetingsError):
    code, status = "UnprocessableEntity", 422


class ThrottlingException(MeetingsError):
    code, status = "Throttling", 429


class ServiceFailureException(MeetingsError):
    code, status = "ServiceFailure", 500


class ServiceUnavailableException(MeetingsError):
    code, status = "ServiceUnavailable", 503


class ResourceNotFoundException(MeetingsError):
    """Raised by the tagging operations; the body also names the resource."""

    code, status = "ResourceNotFound", 404

    def __init__(self, message: str, resource_name: str):
        super().__init__(message)
        self.resource_name = resource_name


class TooManyTagsException(MeetingsError):
    code, status = "TooManyTags", 400

    def __init__(self, message: str, resource_name: str):
        super().__init__(message)
        self.resource_name = resource_name
