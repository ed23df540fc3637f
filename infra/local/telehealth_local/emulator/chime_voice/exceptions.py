"""The Chime SDK voice errors, named and coded as the service answers them."""
from __future__ import annotations

from ..errors import AwsServiceError


class VoiceError(AwsServiceError):
    """Base: `code` is the body's Code, the class name the x-amzn-ErrorType header."""

    code = "ServiceFailure"
    status = 500

    def __init__(self, message: str):
        super().__init__(self.code, message, self.status, type(self).__name__)


class BadRequestException(VoiceError):
    code, status = "BadRequest", 400


class UnauthorizedClientException(VoiceError):
    code, status = "UnauthorizedClient", 401


class ForbiddenException(VoiceError):
    code, status = "Forbidden", 403


class AccessDeniedException(VoiceError):
    code, status = "AccessDenied", 403


class NotFoundException(VoiceError):
    code, status = "NotFound", 404


class ConflictException(VoiceError):
    code, status = "Conflict", 409


class GoneException(VoiceError):
    code, status = "Gone", 410


class ResourceLimitExceededException(VoiceError):
    code, status = "ResourceLimitExceeded", 400


class UnprocessableEntityException(VoiceError):
    code, status = "UnprocessableEntity", 422


class ThrottledClientException(VoiceError):
    code, status = "Throttled", 429


class ServiceFailureException(VoiceError):
    code, status = "ServiceFailure", 500


class ServiceUnavailableException(VoiceError):
    code, status = "ServiceUnavailable", 503
