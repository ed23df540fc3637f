"""The End User Messaging SMS errors, named and shaped as the service answers them (JSON 1.0: __type, Message, Reason ...)."""
from __future__ import annotations

from ..errors import AwsServiceError


class SmsVoiceError(AwsServiceError):
    """Base: the class name is both the code and the x-amzn-ErrorType; `fields` fill the shape's other members.

    The model gives no HTTP statuses; like other AWS JSON 1.0 services every client error is a
    400 and only InternalServerException a 500."""

    status = 500

    def __init__(self, message: str, **fields: object):
        name = type(self).__name__
        super().__init__(name, message, self.status, name, fields)


class ValidationException(SmsVoiceError):
    status = 400

    def __init__(self, message: str, reason: str = "INVALID_PARAMETER"):
        super().__init__(message, Reason=reason)


class ResourceNotFoundException(SmsVoiceError):
    status = 400

    def __init__(self, resource_type: str, resource_id: str):
        super().__init__(f"The {resource_type} does not exist.", ResourceType=resource_type, ResourceId=resource_id)


class ConflictException(SmsVoiceError):
    status = 400

    def __init__(self, message: str, reason: str, resource_type: str, resource_id: str):
        super().__init__(message, Reason=reason, ResourceType=resource_type, ResourceId=resource_id)


class ServiceQuotaExceededException(SmsVoiceError):
    status = 400

    def __init__(self, message: str, reason: str):
        super().__init__(message, Reason=reason)
