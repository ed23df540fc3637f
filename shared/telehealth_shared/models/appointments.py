"""Scheduling service bodies: the Appointment resource, its create/update requests and list query."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from .common import ApiModel, omitted_when_none, PageQuery, StrictModel, UserRef, UtcDatetime

AppointmentStatus = Literal["scheduled", "in_progress", "completed", "no_show", "cancelled"]
# A visit that is still to happen or happening; the others are closed (refuse check-in,
# messages and meetings, stay readable).
OPEN_STATUSES: tuple[str, ...] = ("scheduled", "in_progress")
CLOSED_STATUSES: tuple[str, ...] = ("completed", "no_show", "cancelled")
PresenceState = Literal["added", "checked_in"]


# A Step Functions standard execution lives at most a year: a reminder further ahead would be
# lost silently, so no appointment is booked beyond it.
MAX_DAYS_AHEAD = 365


def _in_future(value: datetime) -> datetime:
    now = datetime.now(timezone.utc)
    if value <= now:
        raise ValueError("must be in the future")
    if value > now + timedelta(days=MAX_DAYS_AHEAD):
        raise ValueError(f"must be at most {MAX_DAYS_AHEAD} days ahead")
    return value


FutureUtc = Annotated[UtcDatetime, AfterValidator(_in_future)]
Duration = Annotated[int, Field(ge=5, le=480, strict=True)]
Reason = Annotated[str, Field(max_length=500)]
UserId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9:_.@-]{0,62}[A-Za-z0-9]$|^[A-Za-z0-9]$")]


class Presence(ApiModel):
    doctor: PresenceState = "added"
    patient: PresenceState = "added"


class Appointment(ApiModel):
    appointment_id: str
    status: AppointmentStatus
    starts_at: UtcDatetime
    duration_minutes: int
    reason: str | None
    doctor: UserRef
    patient: UserRef
    presence: Presence
    channel_arn: str
    created_at: UtcDatetime


class CreateAppointmentRequest(StrictModel):
    patient_id: UserId
    starts_at: FutureUtc
    duration_minutes: Duration = 30
    reason: Reason | None = None


class UpdateAppointmentRequest(StrictModel):
    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    starts_at: FutureUtc | None = None
    duration_minutes: Duration | None = None
    reason: Reason | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> "UpdateAppointmentRequest":
        if not self.model_fields_set:
            raise ValueError("give at least one of starts_at, duration_minutes, reason")
        return self


class ListAppointmentsQuery(PageQuery):
    from_: UtcDatetime | None = Field(default=None, alias="from")
    to: UtcDatetime | None = None
    status: AppointmentStatus | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "ListAppointmentsQuery":
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError("'to' must not be before 'from'")
        return self


class AppointmentsPage(ApiModel):
    appointments: list[Appointment]
    next_token: str | None = omitted_when_none()
