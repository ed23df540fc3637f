"""Sends one text message (stand-in with h13a's signature, on the existing Pinpoint sender)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .aws import AwsClients
from .config import Settings
from .errors import Unavailable


@dataclass(frozen=True)
class SmsOutcome:
    status: str  # "sent" | "opted_out"


def send_text(clients: AwsClients, settings: Settings, *, destination: str, body: str,
              context: Mapping[str, str] | None = None) -> SmsOutcome:
    """Text `body` to `destination`; an opted-out recipient is an outcome, not an error."""
    sms: dict[str, Any] = {"MessageType": "TRANSACTIONAL"}
    if settings.sms_origination_number:
        sms["OriginationNumber"] = settings.sms_origination_number
    response = clients.pinpoint.send_messages(
        ApplicationId=settings.require("pinpoint_app_id"),
        MessageRequest={"Addresses": {destination: {"ChannelType": "SMS", "BodyOverride": body}},
                        "MessageConfiguration": {"SMSMessage": sms}},
    )
    result = response.get("MessageResponse", {}).get("Result", {}).get(destination, {})
    status = result.get("DeliveryStatus")
    if status == "SUCCESSFUL":
        return SmsOutcome("sent")
    if status == "OPT_OUT":
        return SmsOutcome("opted_out")
    raise Unavailable("The text message could not be sent.")
