"""Which phone number the services may text or call for a user: the one rule, from Cognito attributes."""
from __future__ import annotations

from typing import Mapping

# Set by the identity service (admin API only) while a number changed through PATCH /me waits
# for its code; the number given at sign-up never carries it.
PHONE_PENDING_ATTRIBUTE = "custom:phone_pending"


def reachable_number(attributes: Mapping[str, str]) -> str | None:
    """The user's number if it may be texted or called, else None.

    A verified number may; so may the number given at sign-up (usable as before verification
    existed); a number changed later may not until its code is confirmed.
    """
    number = attributes.get("phone_number")
    if not number:
        return None
    if attributes.get("phone_number_verified") == "true":
        return number
    if attributes.get(PHONE_PENDING_ATTRIBUTE) == "true":
        return None
    return number
