"""The patient directory: a doctor finds its own patients by name or any patient by exact e-mail;
an admin searches every patient. Nobody can enumerate doctors or admins through it."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from telehealth_shared import audit_scope
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import USER_NOT_FOUND, error_code, is_aws_failure
from telehealth_shared.config import Settings
from telehealth_shared.errors import ValidationFailed
from telehealth_shared.models.identity import PatientsPage, PatientsQuery, PatientSummary

from .parts.cognito_errors import translate
from .parts.user_attributes import ROLE_ATTRIBUTE, attribute_map

_COGNITO_PAGE = 60  # ListUsersInGroup's maximum Limit
# Searching filters members of the patient group in code (Cognito cannot filter a group by a
# prefix of two attributes); this bounds the Cognito pages one request may read, so a rare
# prefix returns a short page with a next_token instead of scanning the whole pool.
_MAX_COGNITO_PAGES_PER_REQUEST = 10
# A doctor's search looks up each of its patients; this bounds the look-ups per request.
_MAX_LOOKUPS_PER_REQUEST = 100


def _encode(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict) or int(data["o"]) < 0:
            raise ValueError
        start = data.get("t")
        if start is not None and not isinstance(start, str):
            raise ValueError
        return data
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ValidationFailed("next_token is not valid.", [{"path": "query.next_token", "message": "not a token from this API"}]) from None


def _summary(user_id: str, attributes: dict[str, str]) -> PatientSummary:
    return PatientSummary(user_id=attributes.get("sub", user_id), name=attributes.get("name", ""),
                          email=attributes.get("email", ""))


def _cognito_call(operation: Any, **params: Any) -> dict[str, Any]:
    try:
        return operation(**params)
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc, "list_patients") from exc
        raise


def list_patients(clients: AwsClients, settings: Settings, principal: Principal, query: PatientsQuery) -> PatientsPage:
    if query.email is not None:
        page = _by_email(clients, settings, query)
    elif principal.is_admin:
        page = _whole_clinic(clients, settings, query)
    else:
        page = _own_patients(clients, settings, principal, query)
    # One event names the search; a single match by e-mail names that patient.
    found = page.patients[0].user_id if query.email is not None and page.patients else "directory"
    audit_scope.allowed(clients, settings, "patient.search", "patient", found, principal=principal)
    return page


def _name_matches(patient: PatientSummary, prefix: str | None) -> bool:
    return not prefix or patient.name.casefold().startswith(prefix.casefold())


def _by_email(clients: AwsClients, settings: Settings, query: PatientsQuery) -> PatientsPage:
    """At most one patient: the exact address (stored lower-case, as the API normalises it)."""
    if query.next_token:
        return PatientsPage(patients=[])
    page = _cognito_call(clients.cognito.list_users, UserPoolId=settings.require("user_pool_id"),
                         Filter=f'email = "{query.email}"', Limit=2)
    for user in page.get("Users", []):
        attributes = attribute_map(user.get("Attributes", []))
        # custom:role is set only by the service, so a doctor's or admin's address finds nothing.
        if attributes.get(ROLE_ATTRIBUTE) == "patient" and attributes.get("email", "").lower() == query.email:
            patient = _summary(user["Username"], attributes)
            return PatientsPage(patients=[patient] if _name_matches(patient, query.q) else [])
    return PatientsPage(patients=[])


def _patient_ids_of(clients: AwsClients, settings: Settings, doctor_id: str) -> list[str]:
    """Every patient the doctor has or had an appointment with (the appointments' doctor-index)."""
    ids: set[str] = set()
    params: dict[str, Any] = {"TableName": settings.require("appointments_table"), "IndexName": "doctor-index",
                              "KeyConditionExpression": "doctor_id = :d",
                              "ExpressionAttributeValues": {":d": {"S": doctor_id}},
                              "ProjectionExpression": "patient_id"}
    while True:
        page = clients.dynamodb.query(**params)
        ids.update(item["patient_id"]["S"] for item in page.get("Items", []) if "patient_id" in item)
        if not page.get("LastEvaluatedKey"):
            return sorted(ids)
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _own_patients(clients: AwsClients, settings: Settings, principal: Principal, query: PatientsQuery) -> PatientsPage:
    offset = int(_decode(query.next_token)["o"]) if query.next_token else 0
    patient_ids = _patient_ids_of(clients, settings, principal.user_id)
    found: list[PatientSummary] = []
    index = offset
    lookups = 0
    while index < len(patient_ids) and len(found) < query.limit and lookups < _MAX_LOOKUPS_PER_REQUEST:
        patient_id = patient_ids[index]
        index += 1
        lookups += 1
        try:
            user = clients.cognito.admin_get_user(UserPoolId=settings.require("user_pool_id"), Username=patient_id)
        except Exception as exc:
            if error_code(exc) == USER_NOT_FOUND:
                continue
            if is_aws_failure(exc):
                raise translate(exc, "list_patients") from exc
            raise
        attributes = attribute_map(user.get("UserAttributes", []))
        if attributes.get(ROLE_ATTRIBUTE) != "patient":
            continue
        patient = _summary(patient_id, attributes)
        if _name_matches(patient, query.q):
            found.append(patient)
    more = index < len(patient_ids)
    return PatientsPage(patients=found, next_token=_encode({"o": index}) if more else None)


def _admin_matches(patient: PatientSummary, prefix: str | None) -> bool:
    if not prefix:
        return True
    needle = prefix.casefold()
    return patient.name.casefold().startswith(needle) or patient.email.casefold().startswith(needle)


def _whole_clinic(clients: AwsClients, settings: Settings, query: PatientsQuery) -> PatientsPage:
    token = _decode(query.next_token) if query.next_token else {"t": None, "o": 0}
    start_token, offset = token.get("t"), int(token["o"])
    found: list[PatientSummary] = []
    pages_read = 0
    while pages_read < _MAX_COGNITO_PAGES_PER_REQUEST:
        params: dict[str, Any] = {"UserPoolId": settings.require("user_pool_id"), "GroupName": "patient",
                                  "Limit": _COGNITO_PAGE}
        if start_token:
            params["NextToken"] = start_token
        page = _cognito_call(clients.cognito.list_users_in_group, **params)
        pages_read += 1
        users = page.get("Users", [])
        for index in range(offset, len(users)):
            patient = _summary(users[index]["Username"], attribute_map(users[index].get("Attributes", [])))
            if not _admin_matches(patient, query.q):
                continue
            found.append(patient)
            if len(found) == query.limit:
                if index + 1 < len(users):
                    return PatientsPage(patients=found, next_token=_encode({"t": start_token, "o": index + 1}))
                following = page.get("NextToken")
                return PatientsPage(patients=found, next_token=_encode({"t": following, "o": 0}) if following else None)
        offset = 0
        start_token = page.get("NextToken")
        if not start_token:
            return PatientsPage(patients=found)
    return PatientsPage(patients=found, next_token=_encode({"t": start_token, "o": 0}))
