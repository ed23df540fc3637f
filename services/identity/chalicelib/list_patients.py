"""Lets a doctor find patients by name or e-mail prefix, or by exact e-mail address, a page at a time."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import ValidationFailed
from telehealth_shared.models.identity import PatientsPage, PatientsQuery, PatientSummary

from .cognito_errors import translate

_COGNITO_PAGE = 60  # ListUsersInGroup's maximum Limit
# Searching filters members of the patient group in code (Cognito cannot filter a group by a
# prefix of two attributes); this bounds the Cognito pages one request may read, so a rare
# prefix returns a short page with a next_token instead of scanning the whole pool.
_MAX_COGNITO_PAGES_PER_REQUEST = 10


def _encode(start_token: str | None, offset: int) -> str:
    raw = json.dumps({"t": start_token, "o": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> tuple[str | None, int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        start, offset = data["t"], int(data["o"])
        if (start is not None and not isinstance(start, str)) or offset < 0:
            raise ValueError
        return start, offset
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ValidationFailed("next_token is not valid.", [{"path": "query.next_token", "message": "not a token from this API"}]) from None


def _summary(user: dict[str, Any]) -> PatientSummary:
    attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
    return PatientSummary(user_id=attributes.get("sub", user["Username"]), name=attributes.get("name", ""),
                          email=attributes.get("email", ""))


def _matches(patient: PatientSummary, prefix: str | None, email: str | None = None) -> bool:
    if email and patient.email.casefold() != email.casefold():
        return False
    if not prefix:
        return True
    needle = prefix.casefold()
    return patient.name.casefold().startswith(needle) or patient.email.casefold().startswith(needle)


def list_patients(clients: AwsClients, settings: Settings, query: PatientsQuery) -> PatientsPage:
    start_token, offset = _decode(query.next_token) if query.next_token else (None, 0)
    found: list[PatientSummary] = []
    pages_read = 0
    while pages_read < _MAX_COGNITO_PAGES_PER_REQUEST:
        params: dict[str, Any] = {"UserPoolId": settings.require("user_pool_id"), "GroupName": "patient",
                                  "Limit": _COGNITO_PAGE}
        if start_token:
            params["NextToken"] = start_token
        try:
            page = clients.cognito.list_users_in_group(**params)
        except Exception as exc:
            if hasattr(exc, "response"):
                raise translate(exc, "list_patients") from exc
            raise
        pages_read += 1
        users = page.get("Users", [])
        for index in range(offset, len(users)):
            patient = _summary(users[index])
            if not _matches(patient, query.q, query.email):
                continue
            found.append(patient)
            if len(found) == query.limit:
                more_here = index + 1 < len(users)
                if more_here:
                    return PatientsPage(patients=found, next_token=_encode(start_token, index + 1))
                following = page.get("NextToken")
                return PatientsPage(patients=found, next_token=_encode(following, 0) if following else None)
        offset = 0
        start_token = page.get("NextToken")
        if not start_token:
            return PatientsPage(patients=found)
    return PatientsPage(patients=found, next_token=_encode(start_token, 0))
