"""The error every emulated operation raises: an AWS error code, its HTTP status and a message."""
from __future__ import annotations


class AwsServiceError(Exception):
    """Serialized as body {"Code", "Message"} (JSON-protocol services: {"__type", "Message", ...})
    plus header x-amzn-ErrorType: <error_type>.

    `code` is the short code (NotFound); `error_type` the exception shape name
    (NotFoundException) that botocore and the JS SDK read from the header.
    """

    def __init__(self, code: str, message: str, status: int, error_type: str | None = None,
                 fields: dict[str, object] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.error_type = error_type or (code if code.endswith("Exception") else f"{code}Exception")
        # Further members of the exception shape (e.g. Reason, ResourceType), rendered when modelled.
        self.fields = dict(fields or {})
