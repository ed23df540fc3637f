"""Identity service bodies: sign-up, confirmation, sign-in, refresh, profile and patient search."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from ..phone import normalize_e164
from .audit import AuditEvent
from .common import ApiModel, PageQuery, PersonName, Role, StrictModel, UtcDatetime, omitted_when_none

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")

PASSWORD_RULES = "at least 12 characters with an upper-case letter, a lower-case letter, a digit and a symbol"  # nosec B105: a message, not a password


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("must be a valid e-mail address")
    return value.lower()


def _strong_password(value: str) -> str:
    problems = []
    if len(value) < 12:
        problems.append("at least 12 characters")
    if not re.search(r"[A-Z]", value):
        problems.append("an upper-case letter")
    if not re.search(r"[a-z]", value):
        problems.append("a lower-case letter")
    if not re.search(r"[0-9]", value):
        problems.append("a digit")
    if not re.search(r"[^A-Za-z0-9\s]", value):
        problems.append("a symbol")
    if problems:
        raise ValueError("password needs " + ", ".join(problems))
    return value


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


Email = Annotated[str, Field(max_length=254, json_schema_extra={"format": "email", "pattern": _EMAIL.pattern}),
                  AfterValidator(_email)]
Password = Annotated[str, Field(min_length=1, max_length=256)]
StrongPassword = Annotated[str, Field(max_length=256, json_schema_extra={
    "minLength": 12, "pattern": "^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])(?=.*[^A-Za-z0-9\\s])",
    "description": PASSWORD_RULES}), AfterValidator(_strong_password)]
PhoneNumber = Annotated[str, Field(max_length=32, json_schema_extra={
    "pattern": "^\\+[1-9][0-9]{1,14}$", "description": "A valid phone number in E.164 form"}), AfterValidator(normalize_e164)]


AccountRole = Literal["patient", "doctor", "admin"]
InvitedRole = Literal["doctor", "admin"]
InvitationCode = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")]


class SignupRequest(StrictModel):
    email: Email
    password: StrongPassword
    name: PersonName
    phone_number: PhoneNumber
    role: AccountRole = "patient"
    invitation_code: InvitationCode | None = None


class SignupResponse(ApiModel):
    user_id: str
    email: str
    role: AccountRole
    confirmed: bool = False


class ConfirmRequest(StrictModel):
    email: Email
    code: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^\S+$")]


class ConfirmResponse(ApiModel):
    confirmed: Literal[True] = True


class SigninRequest(StrictModel):
    email: Email
    password: Password


class TokensResponse(ApiModel):
    id_token: str
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: Literal["Bearer"] = "Bearer"


class RefreshRequest(StrictModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=8192)]


class RefreshResponse(ApiModel):
    id_token: str
    access_token: str
    expires_in: int
    token_type: Literal["Bearer"] = "Bearer"


class MeResponse(ApiModel):
    user_id: str
    email: str
    name: str
    phone_number: str
    phone_number_verified: bool
    role: AccountRole
    app_instance_user_arn: str


class ProfileUpdateRequest(StrictModel):
    name: PersonName | None = None
    phone_number: PhoneNumber | None = None


class PhoneConfirmRequest(StrictModel):
    code: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9]+$")]


class PatientsQuery(PageQuery):
    q: Annotated[str, BeforeValidator(_strip), Field(max_length=100, json_schema_extra={"minLength": 1, "pattern": "\\S"}),
                 AfterValidator(_not_blank)] | None = None
    # Exact address (case-insensitive): how a doctor finds a new patient to book.
    email: Email | None = None


class InvitationRequest(StrictModel):
    email: Email
    name: PersonName
    role: InvitedRole


class InvitationCreated(ApiModel):
    invitation_id: str
    email: str
    role: InvitedRole
    expires_at: UtcDatetime


class Invitation(ApiModel):
    invitation_id: str
    email: str
    role: InvitedRole
    status: Literal["pending", "used", "revoked", "expired"]
    expires_at: UtcDatetime


class InvitationsPage(ApiModel):
    invitations: list[Invitation]
    next_token: str | None = omitted_when_none()


class InvitationRevoked(ApiModel):
    invitation_id: str
    status: Literal["revoked"] = "revoked"


class AuditQuery(PageQuery):
    actor_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    resource_id: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    from_: UtcDatetime | None = Field(default=None, alias="from")
    to: UtcDatetime | None = None


class AuditPage(ApiModel):
    events: list[AuditEvent]
    next_token: str | None = omitted_when_none()


class PatientSummary(ApiModel):
    user_id: str
    name: str
    email: str


class PatientsPage(ApiModel):
    patients: list[PatientSummary]
    next_token: str | None = omitted_when_none()
