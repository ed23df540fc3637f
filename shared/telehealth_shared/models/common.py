"""Building blocks of the API models: strict base, UTC timestamps, roles, pagination, errors."""
from __future__ import annotations

import unicodedata
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

# Bidirectional controls (embeddings, overrides, isolates, marks) reorder what a reader sees:
# in an SMS or a spoken greeting a name could pose as other text.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters by Unicode category that render as nothing (Hangul fillers, the Braille blank is So).
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_LINK_MARKERS = ("://", "www.", "@")
NAME_MAX_LENGTH = 100


def _visible(char: str) -> bool:
    return char not in _INVISIBLE_LETTERS and unicodedata.category(char) not in ("Cf", "Zs", "Mn", "Me", "Cc")


def _valid_name(value: str) -> str:
    if len(value) > 4 * NAME_MAX_LENGTH:  # normalising a long string first would be wasted work
        raise ValueError(f"must be 1 to {NAME_MAX_LENGTH} characters")
    name = unicodedata.normalize("NFC", value).strip()
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise ValueError(f"must be 1 to {NAME_MAX_LENGTH} characters")
    for char in name:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS:
            raise ValueError("must not contain control or bidirectional formatting characters")
    if not any(_visible(char) for char in name):
        raise ValueError("must contain visible characters")
    if not any(unicodedata.category(char).startswith("L") and char not in _INVISIBLE_LETTERS for char in name):
        raise ValueError("must contain a letter")
    # Compatibility forms (full-width "＠", "ｗｗｗ．") would slip past a plain comparison.
    folded = unicodedata.normalize("NFKC", name).casefold()
    if any(marker in folded for marker in _LINK_MARKERS):
        raise ValueError("must not contain a link or an e-mail address")
    return name


# A person's name wherever one enters the API (sign-up, profile, invitations, guests): it is
# later read out on the phone, texted and shown to the other participant.
PersonName = Annotated[str, Field(json_schema_extra={"minLength": 1, "maxLength": NAME_MAX_LENGTH, "pattern": "\\S"}),
                       AfterValidator(_valid_name)]

Limit = Annotated[int, Field(ge=1, le=100)]
NextToken = Annotated[str, Field(min_length=1, max_length=2048)]


class PageQuery(StrictModel):
    """The page every list route takes (`limit`, `next_token`); a list with filters extends it."""

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
