"""Guest bodies: a third participant (interpreter, caregiver, ...) invited to a visit by code."""
from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .common import ApiModel, PersonName, StrictModel, UtcDatetime
from .identity import Email, PhoneNumber

GuestKind = Literal["interpreter", "caregiver", "clinician", "other"]
GuestStatus = Literal["invited", "joined", "revoked"]


class CreateGuestRequest(StrictModel):
    name: PersonName
    kind: GuestKind
    phone_number: PhoneNumber | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _one_contact(self) -> "CreateGuestRequest":
        if (self.phone_number is None) == (self.email is None):
            raise ValueError("give exactly one of phone_number, email")
        return self


class Guest(ApiModel):
    """Never the guest's contact details: they are used once, to send the code, and not kept."""

    guest_id: str
    name: str
    kind: GuestKind
    status: GuestStatus
    expires_at: UtcDatetime


class GuestsResponse(ApiModel):
    guests: list[Guest]
