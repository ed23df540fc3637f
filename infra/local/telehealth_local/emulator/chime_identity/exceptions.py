"""Chime SDK identity errors: the AWS code (body "Code"), HTTP status and exception shape name."""
from __future__ import annotations

from ..errors import AwsServiceError


class ChimeIdentityError(AwsServiceError):
    code = ""
    status = 500

    def __init__(self, message: str):
        super().__init__(type(self).code, message, type(self).status, type(self).__name__)


class BadRequestException(ChimeIdentityError):
    code, status = "BadRequest", 400


class ConflictException(ChimeIdentityError):
    code, status = "Conflict", 409


class ForbiddenException(ChimeIdentityError):
    code, status = "Forbidden", 403


class NotFoundException(ChimeIdentityError):
    code, status = "NotFound", 404


class ResourceLimitExceededException(ChimeIdentityError):
    code, status = "ResourceLimitExceeded", 400


class ServiceFailureException(ChimeIdentityError):
    code, status = "ServiceFailure", 500


class ServiceUnavailableException(ChimeIdentityError):
    code, status = "ServiceUnavailable", 503


class ThrottledClientException(ChimeIdentityError):
    code, status = "Throttled", 429


class UnauthorizedClientException(ChimeIdentityError):
    code, status = "Unauthorized", 401
