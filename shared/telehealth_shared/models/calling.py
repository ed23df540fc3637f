"""Calling service bodies: meetings in Chime's own shapes and phone calls into them."""
from __future__ import annotations

from typing import Any, Literal

from .common import ApiModel, StrictModel


# The Chime SDK meetings media Regions (its API reference); others are refused up front
# instead of reaching Chime as a BadRequest.
MediaRegion = Literal[
    "af-south-1", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
    "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1", "eu-west-1", "eu-west-2", "eu-west-3",
    "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2", "us-gov-east-1", "us-gov-west-1",
]


class StartMeetingRequest(StrictModel):
    media_region: MediaRegion | None = None


class MeetingWithAttendee(ApiModel):
    meeting: dict[str, Any]
    attendee: dict[str, Any]


class MeetingOnly(ApiModel):
    meeting: dict[str, Any]


class PhoneCallResponse(ApiModel):
    transaction_id: str
    meeting_id: str
