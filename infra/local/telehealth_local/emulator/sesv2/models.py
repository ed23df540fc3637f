"""SES v2 state: e-mail identities and sent mail (each message lands in the e-mail outbox).

An identity is verified as soon as it exists (there is no inbox to click a link in); SendEmail
refuses a sender whose address or domain is not an identity (MessageRejected, as SES does),
and sends only Simple content (Raw and Template are not emulated: BadRequest).
"""
from __future__ import annotations

import re
import threading
import uuid
from typing import TYPE_CHECKING, Any

from .exceptions import AlreadyExistsException, BadRequestException, MessageRejected, NotFoundException

if TYPE_CHECKING:
    from ...outbox import Outbox

# An e-mail with a one-time code ends with "code: <code>"; the outbox row repeats it as `code`.
_CODE = re.compile(r"\bcode: ([A-Za-z0-9_-]{6,64}(?:\.[A-Za-z0-9_-]{1,64})?)")
MAX_RECIPIENTS = 50


class SesBackend:
    """One account and region's e-mail identities; sent mail lands in `outbox`."""

    def __init__(self, account_id: str, region_name: str, *, outbox: Outbox):
        self.account_id = account_id
        self.region_name = region_name
        self._outbox = outbox
        self.identities: set[str] = set()
        self._lock = threading.Lock()

    def create_email_identity(self, EmailIdentity: str, **_: Any) -> dict[str, Any]:
        identity = EmailIdentity.lower()
        with self._lock:
            if identity in self.identities:
                raise AlreadyExistsException(f"Email identity {EmailIdentity} already exists.")
            self.identities.add(identity)
        kind = "EMAIL_ADDRESS" if "@" in identity else "DOMAIN"
        return {"IdentityType": kind, "VerifiedForSendingStatus": True}

    def get_email_identity(self, EmailIdentity: str) -> dict[str, Any]:
        identity = EmailIdentity.lower()
        with self._lock:
            if identity not in self.identities:
                raise NotFoundException(f"Email identity {EmailIdentity} does not exist.")
        return {"IdentityType": "EMAIL_ADDRESS" if "@" in identity else "DOMAIN", "VerifiedForSendingStatus": True,
                "VerificationStatus": "SUCCESS"}

    def delete_email_identity(self, EmailIdentity: str) -> None:
        with self._lock:
            if EmailIdentity.lower() not in self.identities:
                raise NotFoundException(f"Email identity {EmailIdentity} does not exist.")
            self.identities.discard(EmailIdentity.lower())

    def send_email(self, Content: dict[str, Any], FromEmailAddress: str | None = None,
                   Destination: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
        if not FromEmailAddress:
            raise BadRequestException("FromEmailAddress is required (no default sender is configured).")
        sender = FromEmailAddress.lower()
        with self._lock:
            verified = sender in self.identities or sender.rsplit("@", 1)[-1] in self.identities
        if not verified:
            raise MessageRejected(f"Email address is not verified. The following identities failed the check: {FromEmailAddress}")
        simple = Content.get("Simple")
        if not simple:
            raise BadRequestException("Only Simple content is emulated by the local stack.")
        recipients = [*(Destination or {}).get("ToAddresses", []), *(Destination or {}).get("CcAddresses", []),
                      *(Destination or {}).get("BccAddresses", [])]
        if not recipients or len(recipients) > MAX_RECIPIENTS:
            raise BadRequestException(f"A message needs 1..{MAX_RECIPIENTS} recipients.")
        subject = (simple.get("Subject") or {}).get("Data", "")
        body = ((simple.get("Body") or {}).get("Text") or {}).get("Data") or \
            ((simple.get("Body") or {}).get("Html") or {}).get("Data", "")
        found = _CODE.search(body)
        for to in recipients:
            self._outbox.add_email(to, subject, body, found.group(1) if found else None)
        return {"MessageId": uuid.uuid4().hex}
