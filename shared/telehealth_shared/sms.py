"""Sends one text message to one number: the one way services text people (reminders aside).

Interface agreed for AWS End User Messaging SMS (`SendTextMessage`); until that sender lands,
this one sends through the Pinpoint application the reminders use. Opted-out recipients are
an outcome, not an error.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .aws import AwsClients
from .config import Settings
from .errors import Unavailable


@dataclass(frozen=True)
class SmsOutcome:
    status: str  # "sent" | "opted_out"
    message_id: str | None = None


def send_text(clients: AwsClients, settings: Settings, *, destination: str, body: str,
              context: Mapping[str, str] | None = None) -> SmsOutcome:
    """One transactional SMS; Unavailable when it could not be sent. `context` carries ids
    only (it is kept with delivery records), never names or text."""
    sms: dict[str, Any] = {"MessageType": "TRANSACTIONAL"}
    if settings.sms_origination_number:
        sms["OriginationNumber"] = settings.sms_origination_number
    response = clients.pinpoint.send_messages(
        ApplicationId=settings.require("pinpoint_app_id"),
        MessageRequest={"Addresses": {destination: {"ChannelType": "SMS", "BodyOverride": body}},
                        "MessageConfiguration": {"SMSMessage": sms},
                        **({"Context": dict(context)} if context else {})},
    )
    result = response.get("MessageResponse", {}).get("Result", {}).get(destination, {})
    status = result.get("DeliveryStatus")
    if status == "SUCCESSFUL":
        return SmsOutcome("sent", result.get("MessageId"))
    if status == "OPT_OUT":
        return SmsOutcome("opted_out")
    raise Unavailable("The text message could not be sent; nothing was changed. Try again later.")
