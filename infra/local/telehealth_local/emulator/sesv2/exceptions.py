"""The SES v2 errors, named and coded as the service answers them."""
from __future__ import annotations

from ..errors import AwsServiceError


class SesError(AwsServiceError):
    code = "InternalServiceErrorException"
    status = 500

    def __init__(self, message: str):
        super().__init__(self.code, message, self.status, type(self).__name__)


class BadRequestException(SesError):
    code, status = "BadRequestException", 400


class NotFoundException(SesError):
    code, status = "NotFoundException", 404


class AlreadyExistsException(SesError):
    code, status = "AlreadyExistsException", 400


class MessageRejected(SesError):
    code, status = "MessageRejected", 400
