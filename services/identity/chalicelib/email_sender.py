"""Sends the service's own e-mails (invitations) through Amazon SES SendEmail."""
from __future__ import annotations

from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings


def send_email(clients: AwsClients, settings: Settings, *, to: str, subject: str, body: str) -> None:
    clients.ses.send_email(
        Source=settings.require("email_sender"),
        Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
    )
