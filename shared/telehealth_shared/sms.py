"""Sends one text through AWS End User Messaging SMS (pinpoint-sms-voice-v2 SendTextMessage), the one way
every service texts a person; a recipient who opted out (replied STOP) is an outcome, not an error."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Mapping

from . import metrics
from .aws import AwsClients
from .aws_errors import CONFLICT, error_code, http_status, is_aws_failure, is_throttling
from .config import Settings
from .errors import Unavailable
from .log import log_event

logger = logging.getLogger("telehealth.sms")

OPTED_OUT_REASON = "DESTINATION_PHONE_NUMBER_OPTED_OUT"
# Context is echoed in delivery events (CloudWatch, Firehose, SNS): only identifiers may go there.
ALLOWED_CONTEXT_KEYS = frozenset({"appointment_id", "user_id", "guest_id"})


@dataclass(frozen=True)
class SmsOutcome:
    status: Literal["sent", "opted_out"]
    message_id: str | None = None


class SmsRefused(Unavailable):
    """The service refused the send: nothing went out. `retryable` when it was throttled."""

    def __init__(self, code: str | None, retryable: bool):
        super().__init__("The text message could not be sent; try again later.")
        self.aws_code = code
        self.retryable = retryable


class SmsOutcomeUnknown(Unavailable):
    """A timeout or server error: the text may or may not have gone out, so it must not be resent blindly."""

    def __init__(self, code: str | None):
        super().__init__("It is not known whether the text message was sent.")
        self.aws_code = code


def send_text(clients: AwsClients, settings: Settings, destination: str, body: str,
              context: Mapping[str, str]) -> SmsOutcome:
    """Text `body` to `destination` (E.164) from the deployment's origination identity, TRANSACTIONAL,
    through the configuration set; `context` carries identifiers only (appointment_id).

    AWS call: one SendTextMessage, never retried by botocore (`clients.never_retrying()`).
    Raises SmsRefused (nothing sent) or SmsOutcomeUnknown (maybe sent), both 503 at the edge.
    """
    unknown = set(context) - ALLOWED_CONTEXT_KEYS
    if unknown:
        # A programming error, caught before anything is sent: Context must never carry PHI.
        raise ValueError(f"SMS context may only carry {sorted(ALLOWED_CONTEXT_KEYS)}, not {sorted(unknown)}")
    request = {
        "DestinationPhoneNumber": destination,
        "OriginationIdentity": settings.require("sms_origination_identity"),
        "MessageBody": body,
        "MessageType": "TRANSACTIONAL",
        "Context": dict(context),
    }
    if settings.sms_configuration_set:
        request["ConfigurationSetName"] = settings.sms_configuration_set
    client = clients.never_retrying().sms
    try:
        response = client.send_text_message(**request)
    except Exception as exc:
        if not is_aws_failure(exc):
            raise
        code = error_code(exc)
        error = (getattr(exc, "response", None) or {}).get("Error", {})
        status = http_status(exc)
        # botocore puts a modelled error's members (Reason) beside "Error" in the response.
        reason = (getattr(exc, "response", None) or {}).get("Reason") or error.get("Reason")
        if code == CONFLICT and reason == OPTED_OUT_REASON:
            log_event(logger, "sms_opted_out", **dict(context))
            return SmsOutcome(status="opted_out")
        if code is not None and 400 <= status < 500:
            log_event(logger, "sms_refused", logging.WARNING, aws_code=code, **dict(context))
            metrics.count("SmsFailed")
            raise SmsRefused(code, retryable=is_throttling(exc)) from None
        log_event(logger, "sms_outcome_unknown", logging.WARNING, aws_code=code or type(exc).__name__, **dict(context))
        metrics.count("SmsFailed")
        raise SmsOutcomeUnknown(code) from None
    metrics.count("SmsSent")
    return SmsOutcome(status="sent", message_id=response.get("MessageId"))
