"""Calling service bodies: meetings in Chime's own shapes and phone calls into them."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from .common import ApiModel, StrictModel, omitted_when_none


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


AttendeeRole = Literal["doctor", "patient", "guest", "phone"]
AttendeeState = Literal["waiting", "admitted", "left"]
AttendeeId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class Attendee(ApiModel):
    """A meeting attendee as the visit sees it: who (ids only, never contact details), where
    in the waiting room, and whether the doctor muted it."""

    attendee_id: str
    user_id: str | None = omitted_when_none()
    guest_id: str | None = omitted_when_none()
    role: AttendeeRole
    state: AttendeeState
    muted: bool


class AttendeesResponse(ApiModel):
    attendees: list[Attendee]


class AttendeeResponse(ApiModel):
    attendee: Attendee


class AdmitRequest(StrictModel):
    attendee_id: AttendeeId | None = None


class MuteRequest(StrictModel):
    muted: bool = Field(strict=True)


class GuestJoinRequest(StrictModel):
    code: Annotated[str, Field(min_length=1, max_length=128)]
