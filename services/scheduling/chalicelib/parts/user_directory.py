"""Reads users from Cognito: the patient named in a new appointment, a name missing from a
token, and participants' phone numbers at reminder time (never stored by this service)."""
from __future__ import annotations

from dataclasses import dataclass

from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import USER_NOT_FOUND, error_code
from telehealth_shared.config import Settings
from telehealth_shared.contact import reachable_number
from telehealth_shared.errors import ValidationFailed




@dataclass(frozen=True)
class DirectoryUser:
    user_id: str
    name: str
    role: str | None
    phone_number: str | None  # only a number we may text or call (telehealth_shared.contact)
    active: bool
    phone_unverified: bool = False


def get_user(clients: AwsClients, settings: Settings, user_id: str) -> DirectoryUser | None:
    """One AdminGetUser; None when there is no such user.

    The pool signs in by e-mail alias, so every user's Cognito username is its `sub`, which
    is the user id the API uses.
    """
    try:
        response = clients.cognito.admin_get_user(UserPoolId=settings.require("user_pool_id"), Username=user_id)
    except Exception as exc:
        if error_code(exc) == USER_NOT_FOUND:
            return None
        raise
    attributes = {a["Name"]: a["Value"] for a in response.get("UserAttributes", [])}
    sub = attributes.get("sub", response.get("Username", user_id))
    if sub != user_id:
        # Looked up by something that is not the id (an e-mail alias): not the user asked for.
        return None
    return DirectoryUser(
        user_id=sub,
        name=attributes.get("name", ""),
        role=attributes.get("custom:role"),
        phone_number=reachable_number(attributes),
        active=bool(response.get("Enabled", True)) and response.get("UserStatus") == "CONFIRMED",
        phone_unverified=bool(attributes.get("phone_number")) and reachable_number(attributes) is None,
    )


def require_patient(clients: AwsClients, settings: Settings, patient_id: str) -> DirectoryUser:
    """The patient for a new appointment; 400 when unknown, disabled, unconfirmed or not a patient.

    Every case gets the same answer so a doctor cannot probe which ids belong to doctors.
    """
    user = get_user(clients, settings, patient_id)
    if user is None or not user.active or user.role != "patient":
        raise not_a_patient()
    return user


def not_a_patient() -> ValidationFailed:
    return ValidationFailed("The patient does not exist or is not a patient.",
                            [{"path": "$.patient_id", "message": "unknown patient"}])
