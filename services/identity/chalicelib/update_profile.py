"""PATCH /me and POST /me/phone/confirm: a user changes its name and number through the API only."""
from __future__ import annotations

import logging

from telehealth_shared import audit_scope
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import error_code, is_aws_failure
from telehealth_shared.chime_channel import user_arn
from telehealth_shared.config import Settings
from telehealth_shared.contact import PHONE_PENDING_ATTRIBUTE
from telehealth_shared.errors import ValidationFailed
from telehealth_shared.log import log_event
from telehealth_shared.models.identity import MeResponse, PhoneConfirmRequest, ProfileUpdateRequest
from telehealth_shared.sms import send_text

from .get_profile import caller_role, profile_from
from .parts.phone_verification import check_code, forget_code, issue_code
from .parts.user_attributes import get_attributes, set_attributes

logger = logging.getLogger("telehealth.identity.profile")

CODE_TEXT = "Your telehealth verification code is {code}. It expires in 10 minutes."


def update_profile(clients: AwsClients, settings: Settings, principal: Principal,
                   request: ProfileUpdateRequest) -> MeResponse:
    attributes = get_attributes(clients, settings, principal.username)
    role = caller_role(principal, attributes)
    changes: dict[str, str] = {}
    if request.name is not None and request.name != attributes.get("name"):
        changes["name"] = request.name
    code = None
    number = request.phone_number
    if number is not None:
        pending = attributes.get(PHONE_PENDING_ATTRIBUTE) == "true"
        if number != attributes.get("phone_number"):
            # Not texted or called until confirmed (telehealth_shared.contact reads these).
            changes.update({"phone_number": number, "phone_number_verified": "false",
                            PHONE_PENDING_ATTRIBUTE: "true"})
        if number != attributes.get("phone_number") or pending:
            # Sending the pending number again sends a fresh code.
            code = issue_code(clients, settings, principal.user_id, number)
    if changes:
        set_attributes(clients, settings, principal.username, changes)
        attributes.update(changes)
    if "name" in changes:
        _rename_chime_user(clients, settings, principal.user_id, changes["name"])
    if code is not None and number is not None:
        send_text(clients, settings, destination=number, body=CODE_TEXT.format(code=code),
                  context={"user_id": principal.user_id})
        log_event(logger, "phone_code_sent", user_id=principal.user_id)
    audit_scope.allowed(clients, settings, "profile.update", "user", principal.user_id, principal=principal)
    return profile_from(principal, settings, attributes, role)


def _rename_chime_user(clients: AwsClients, settings: Settings, user_id: str, name: str) -> None:
    """The AppInstanceUser shows the same name (chat members see it); Cognito holds the truth,
    so a failure here is logged and the next rename repairs it."""
    try:
        clients.chime_identity.update_app_instance_user(
            AppInstanceUserArn=user_arn(settings, user_id), Name=name[:100], Metadata="")
    except Exception as exc:
        if not is_aws_failure(exc):
            raise
        log_event(logger, "chime_rename_failed", logging.WARNING, user_id=user_id, aws_code=error_code(exc))


def confirm_phone(clients: AwsClients, settings: Settings, principal: Principal,
                  request: PhoneConfirmRequest) -> MeResponse:
    attributes = get_attributes(clients, settings, principal.username)
    role = caller_role(principal, attributes)
    number = attributes.get("phone_number")
    try:
        if not number or attributes.get(PHONE_PENDING_ATTRIBUTE) != "true":
            raise ValidationFailed("There is no phone number waiting for a code.",
                                   [{"path": "$.code", "message": "no code was sent"}])
        check_code(clients, settings, principal.user_id, number, request.code)
    except ValidationFailed:
        audit_scope.refused(clients, settings, "phone.confirm", "user", principal.user_id, principal=principal)
        raise
    changes = {"phone_number_verified": "true", PHONE_PENDING_ATTRIBUTE: "false"}
    set_attributes(clients, settings, principal.username, changes)
    attributes.update(changes)
    forget_code(clients, settings, principal.user_id)
    log_event(logger, "phone_confirmed", user_id=principal.user_id)
    audit_scope.allowed(clients, settings, "phone.confirm", "user", principal.user_id, principal=principal)
    return profile_from(principal, settings, attributes, role)
