"""The Cognito post-confirmation trigger: provisions the newly confirmed user."""
from __future__ import annotations

from typing import Any

from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings

from .parts.provision_user import provision
from .parts.user_attributes import ROLE_ATTRIBUTE


def handle_post_confirmation(clients: AwsClients, settings: Settings, event: dict[str, Any]) -> dict[str, Any]:
    """Provision and hand the event back, as Cognito requires; failures raise so Cognito sees them."""
    if event.get("triggerSource") != "PostConfirmation_ConfirmSignUp":
        # Forgot-password confirmations also fire this trigger; nothing to provision then.
        return event
    attributes = event["request"]["userAttributes"]
    # Only the identity service's admin calls write custom:role (the app client cannot), so the
    # role granted here is always one the service itself set: patient, or an invited role.
    provision(clients, settings, username=event["userName"], user_id=attributes["sub"],
              name=attributes.get("name", ""), role=attributes.get(ROLE_ATTRIBUTE, ""))
    return event
