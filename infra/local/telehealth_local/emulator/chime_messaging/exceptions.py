"""Chime SDK messaging errors: the AWS code (body "Code"), HTTP status and exception shape name."""
from __future__ import annotations

from ..errors import AwsServiceError


class ChimeMessagingError(AwsServiceError):
    code = ""
    status = 500

    def __init__(self, message: str):
        super().__init__(type(self).code, message, type(self).status, type(self).__name__)


class BadRequestException(ChimeMessagingError):
    code, status = "BadRequest", 400


class ConflictException(ChimeMessagingError):
    code, status = "Conflict", 409


class ForbiddenException(ChimeMessagingError):
    code, status = "Forbidden", 403


class NotFoundException(ChimeMessagingError):
    code, status = "NotFound", 404


class ResourceLimitExceededException(ChimeMessagingError):
    code, status = "ResourceLimitExceeded", 400


class ServiceFailureException(ChimeMessagingError):
    code, status = "ServiceFailure", 500


class ServiceUnavailableException(ChimeMessagingError):
    code, status = "ServiceUnavailable", 503


class ThrottledClientException(ChimeMessagingError):
    code, status = "Throttled", 429


class UnauthorizedClientException(ChimeMessagingError):
    code, status = "Unauthorized", 401
