"""Sends one plain-text e-mail through Amazon SES v2 `SendEmail`: the one way services e-mail people.

The sender is the deployment's verified identity (setting `TELEHEALTH_EMAIL_SENDER`); without
one, e-mail is not configured and callers are told so (409) rather than losing the message.
"""
from __future__ import annotations

from .aws import AwsClients
from .aws_errors import is_aws_failure, is_throttling
from .config import Settings
from .errors import Conflict, TooManyRequests, Unavailable


def email_configured(settings: Settings) -> bool:
    return bool(settings.email_sender)


def send_email(clients: AwsClients, settings: Settings, *, to: str, subject: str, body: str) -> str:
    """One SendEmail; returns the MessageId. The body never carries a name beyond what the
    caller puts in it, and is logged nowhere."""
    if not settings.email_sender:
        raise Conflict("E-mail is not configured in this deployment.")
    try:
        response = clients.sesv2.send_email(
            FromEmailAddress=settings.email_sender,
            Destination={"ToAddresses": [to]},
            Content={"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"},
                                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}}},
        )
    except Exception as exc:
        if is_throttling(exc):
            raise TooManyRequests("E-mail is throttled; try again shortly.") from exc
        if is_aws_failure(exc):
            raise Unavailable("The e-mail could not be sent; nothing was changed. Try again later.") from exc
        raise
    return response["MessageId"]
