"""Invitation codes: made of the invitation's id and a secret; only the secret's hash is stored."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from telehealth_shared.errors import Forbidden


def new_code(invitation_id: str) -> tuple[str, str]:
    """(the code to e-mail, the hash to store)."""
    secret = secrets.token_urlsafe(24)
    return f"{invitation_id}.{secret}", code_hash(secret)


def code_hash(secret: str) -> str:
    # The secret has 192 random bits, so a plain SHA-256 cannot be reversed by guessing.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_code(code: str) -> tuple[str, str]:
    """(invitation id, secret); a malformed code is refused like a wrong one."""
    invitation_id, dot, secret = code.partition(".")
    if not dot or not invitation_id or not secret:
        raise invalid_invitation()
    return invitation_id, secret


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(code_hash(secret), stored_hash)


def invalid_invitation() -> Forbidden:
    # One answer for unknown, wrong, used, revoked, expired and mismatched codes: no oracle.
    return Forbidden("The invitation is not valid for this e-mail address and role.")
