"""The local stack's outboxes: SMS sent through End User Messaging SMS and e-mail sent by Cognito, oldest first."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timezone
from typing import Any


# Texts that carry a one-time code end with "code: <code>"; the row repeats it as `code`,
# as sign-up e-mails do, so tests and the demo read it without parsing bodies.
_CODE = re.compile(r"\bcode: ([A-Za-z0-9_-]{6,64}(?:\.[A-Za-z0-9_-]{1,64})?)")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Outbox:
    def __init__(self) -> None:
        self._sms: list[dict[str, Any]] = []
        self._email: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add_sms(self, to: str, body: str, message_type: str, origination_number: str | None = None,
                context: dict[str, str] | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"to": to, "body": body, "sent_at": _now(), "message_type": message_type}
        if origination_number:
            entry["origination_number"] = origination_number
        if context:
            # The sender's SendTextMessage Context, as delivery events echo it on AWS.
            entry["context"] = dict(context)
        found = _CODE.search(body)
        if found:
            entry["code"] = found.group(1)
        with self._lock:
            self._sms.append(entry)
        return entry

    def add_email(self, to: str, subject: str, body: str, code: str | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"to": to, "subject": subject, "body": body}
        if code is not None:
            entry["code"] = code
        with self._lock:
            self._email.append(entry)
        return entry

    def sms(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._sms)

    def email(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._email)

    def clear(self) -> None:
        with self._lock:
            self._sms.clear()
            self._email.clear()

