"""The exception every failed API call raises, carrying the API's error code and message."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []

    @classmethod
    def from_response(cls, response: Any) -> "ApiError":
        try:
            error = response.json()["error"]
            return cls(response.status_code, str(error["code"]), str(error["message"]), error.get("details"))
        except (ValueError, KeyError, TypeError):
            return cls(response.status_code, "HttpError", f"unexpected {response.status_code} response")
