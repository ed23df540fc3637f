"""Building blocks of the API models: strict base, UTC timestamps, roles, pagination, errors."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

Role = Literal["doctor", "patient"]
ROLES: tuple[str, ...] = ("doctor", "patient")


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error, schemas are built on first use."""

    model_config = ConfigDict(extra="forbid", defer_build=True, populate_by_name=True)


class ApiModel(BaseModel):
    """Response bodies: built on first use, serialised by field name; the documented object is
    closed, so a field that should not be there (another user's e-mail, say) breaks the contract."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, json_schema_extra={"additionalProperties": False})


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must include a UTC offset, e.g. 2026-12-01T15:00:00Z")
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        # 0001-01-01T00:00+01:00 and 9999-12-31T23:00-05:00 have no UTC representation.
        raise ValueError("is outside the supported range of dates") from None


def format_utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


UtcDatetime = Annotated[
    datetime,
    AfterValidator(_require_aware),
    PlainSerializer(format_utc, return_type=str, when_used="always"),
]

Limit = Annotated[int, Field(ge=1, le=100)]
NextToken = Annotated[str, Field(min_length=1, max_length=2048)]


class PageQuery(StrictModel):
    limit: Limit = 50
    next_token: NextToken | None = None


def _is_none(value: Any) -> bool:
    return value is None


def omitted_when_none(**kwargs: Any) -> Any:
    """An optional response field that is left out of the JSON when it has no value."""
    return Field(default=None, exclude_if=_is_none, **kwargs)


class UserRef(ApiModel):
    user_id: str
    name: str


class ErrorDetail(ApiModel):
    path: str = Field(description="JSON path of the offending field, e.g. $.email")
    message: str


class ErrorInfo(ApiModel):
    code: str
    message: str
    details: list[ErrorDetail] | None = omitted_when_none()


class ErrorBody(ApiModel):
    error: ErrorInfo


def dump(model: BaseModel) -> dict[str, Any]:
    """The JSON-ready form of a response model."""
    return model.model_dump(mode="json")
