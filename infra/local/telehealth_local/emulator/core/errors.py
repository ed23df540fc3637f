"""The errors the framework itself raises (bad input, unknown or unimplemented operations, crashes)."""
from __future__ import annotations

from ..errors import AwsServiceError


def bad_request(message: str) -> AwsServiceError:
    """Every emulated service (Chime SDK ×4, Pinpoint) names its 400 for bad input BadRequestException."""
    return AwsServiceError("BadRequest", message, 400, "BadRequestException")


def not_implemented(service: str, operation: str) -> AwsServiceError:
    """An operation the model has but the emulator does not emulate (a documented gap, not a stub)."""
    return AwsServiceError(
        "NotImplemented",
        f"{operation} of {service} is not emulated by the local stack (see docs/local-stack.md).",
        501,
        "NotImplementedException",
    )


def unknown_operation(method: str) -> AwsServiceError:
    return AwsServiceError(
        "UnknownOperation", f"No emulated operation matches this {method} request.", 404, "UnknownOperationException"
    )


def service_failure(service: str) -> AwsServiceError:
    if service == "pinpoint":
        return AwsServiceError("InternalServerError", "Internal server error.", 500, "InternalServerErrorException")
    return AwsServiceError("ServiceFailure", "The emulated service failed (see the local stack log).", 500,
                           "ServiceFailureException")


def not_emulated(feature: str) -> AwsServiceError:
    """A feature of an otherwise emulated operation that the local stack does not reproduce."""
    return AwsServiceError("NotImplemented", f"{feature} is not emulated by the local stack (see docs/local-stack.md).",
                           501, "NotImplementedException")
