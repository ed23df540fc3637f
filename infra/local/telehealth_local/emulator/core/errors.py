"""The errors the framework itself raises (bad input, unknown or unimplemented operations, crashes)."""
from __future__ import annotations

from ..errors import AwsServiceError


def bad_request(message: str) -> AwsServiceError:
    """The REST services (Chime SDK ×4) name their 400 for bad input BadRequestException; the
    dispatcher renders it as ValidationException for a service that has no such shape."""
    return AwsServiceError("BadRequest", message, 400, "BadRequestException")


def not_implemented(service: str, operation: str) -> AwsServiceError:
    """An operation the model has but the emulator does not emulate (a documented gap, not a stub)."""
    return AwsServiceError(
        "NotImplemented",
        f"The local stack does not implement {service} {operation} (see docs/local-stack.md).",
        501,
        "NotImplementedException",
    )


def unknown_target(target: str | None) -> AwsServiceError:
    """A JSON-protocol request whose X-Amz-Target names no operation of the service (AWS: 400)."""
    return AwsServiceError("UnknownOperation", "The X-Amz-Target header names no operation of this service.", 400,
                           "UnknownOperationException")


def unknown_operation(method: str) -> AwsServiceError:
    return AwsServiceError(
        "UnknownOperation", f"No emulated operation matches this {method} request.", 404, "UnknownOperationException"
    )


def service_failure(service: str) -> AwsServiceError:
    if service == "pinpoint-sms-voice-v2":
        return AwsServiceError("InternalServerException", "Internal server error.", 500, "InternalServerException")
    if service == "pinpoint":
        return AwsServiceError("InternalServerError", "Internal server error.", 500, "InternalServerErrorException")
    return AwsServiceError("ServiceFailure", "The emulated service failed (see the local stack log).", 500,
                           "ServiceFailureException")


def not_emulated(feature: str) -> AwsServiceError:
    """A feature of an otherwise emulated operation that the local stack does not reproduce."""
    return AwsServiceError("NotImplemented", f"{feature} is not emulated by the local stack (see docs/local-stack.md).",
                           501, "NotImplementedException")
