"""Calling service bodies: meetings in Chime's own shapes and phone calls into them."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from .common import ApiModel, StrictModel


class StartMeetingRequest(StrictModel):
    media_region: Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")] | None = None


class MeetingWithAttendee(ApiModel):
    meeting: dict[str, Any]
    attendee: dict[str, Any]


class MeetingOnly(ApiModel):
    meeting: dict[str, Any]


class PhoneCallResponse(ApiModel):
    transaction_id: str
    meeting_id: str
