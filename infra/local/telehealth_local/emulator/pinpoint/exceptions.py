"""The Pinpoint errors, named and coded as the service answers them (body {Message, RequestID})."""
from __future__ import annotations

from ..errors import AwsServiceError


class PinpointError(AwsServiceError):
    """Base: Pinpoint's body carries no Code; the class name is the x-amzn-ErrorType header."""

    code = "InternalServerError"
    status = 500

    def __init__(self, message: str):
        super().__init__(self.code, message, self.status, type(self).__name__)


class BadRequestException(PinpointError):
    code, status = "BadRequest", 400


class ForbiddenException(PinpointError):
    code, status = "Forbidden", 403


class NotFoundException(PinpointError):
    code, status = "NotFound", 404


class MethodNotAllowedException(PinpointError):
    code, status = "MethodNotAllowed", 405


class ConflictException(PinpointError):
    code, status = "Conflict", 409


class PayloadTooLargeException(PinpointError):
    code, status = "PayloadTooLarge", 413


class TooManyRequestsException(PinpointError):
    code, status = "TooManyRequests", 429


class InternalServerErrorException(PinpointError):
    code, status = "InternalServerError", 500


ERRORS_BY_NAME = {cls.__name__: cls for cls in (
    BadRequestException, ForbiddenException, NotFoundException, MethodNotAllowedException,
    ConflictException, PayloadTooLargeException, TooManyRequestsException, InternalServerErrorException,
)}
