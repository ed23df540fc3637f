"""A phone call's states in the calls table and every move between them (one conditional write
each), and hanging up a visit's calls: calling's SIP handler and the end of a visit share these.

dialing → joined (the patient pressed 1) → ended; dialing → declined (hung up before joining);
dialing or joined → ended (hung up by us when the visit closed).
"""
from __future__ import annotations

import logging
import time
from typing import Any

from .aws import AwsClients
from .aws_errors import error_code, is_condition_failed
from .config import Settings
from .item_update import Update, attr, update_item
from .log import log_event

logger = logging.getLogger("telehealth.call_legs")

DIALING, JOINED, DECLINED, ENDED = "dialing", "joined", "declined", "ended"
# The states in which a leg may still be up.
LIVE = (DIALING, JOINED)
HANGUP_ARGUMENT = {"telehealth_action": "hangup"}


def transition(clients: AwsClients, settings: Settings, transaction_id: str, *, from_status: str, to_status: str,
               extra: dict[str, str] | None = None) -> bool:
    """Move the call from one status to another; False when it was not in `from_status`
    (a retried or late event), so each transition's side effects happen once."""
    try:
        update_item(clients, settings.require("calls_table"), {"transaction_id": transaction_id},
                    Update(set={"status": to_status, **(extra or {})}), condition=attr("status").eq(from_status))
        return True
    except Exception as exc:
        if is_condition_failed(exc):
            return False
        raise


def mark_joined(clients: AwsClients, settings: Settings, transaction_id: str, meeting_id: str, attendee_id: str) -> bool:
    return transition(clients, settings, transaction_id, from_status=DIALING, to_status=JOINED,
                      extra={"attendee_id": attendee_id, "joined_meeting_id": meeting_id})


def mark_declined(clients: AwsClients, settings: Settings, transaction_id: str) -> bool:
    return transition(clients, settings, transaction_id, from_status=DIALING, to_status=DECLINED)


def mark_ended(clients: AwsClients, settings: Settings, transaction_id: str) -> bool:
    return transition(clients, settings, transaction_id, from_status=JOINED, to_status=ENDED)


def mark_hung_up(clients: AwsClients, settings: Settings, transaction_id: str) -> bool:
    """Ended by us (the visit closed), whether it was still ringing or already joined."""
    return (transition(clients, settings, transaction_id, from_status=DIALING, to_status=ENDED)
            or transition(clients, settings, transaction_id, from_status=JOINED, to_status=ENDED))


def live_calls(clients: AwsClients, settings: Settings, appointment_id: str) -> list[dict[str, Any]]:
    """The calls of the last day of the appointment that may still be ringing or connected
    (items in DynamoDB's form); one Query of the calls table's appointment index."""
    response = clients.dynamodb.query(
        TableName=settings.require("calls_table"),
        IndexName="appointment-index",
        KeyConditionExpression="appointment_id = :a AND created_at >= :since",
        FilterExpression="#st IN (:dialing, :joined)",
        ExpressionAttributeNames={"#st": "status"},
        ExpressionAttributeValues={":a": {"S": appointment_id}, ":since": {"N": str(int(time.time()) - 24 * 3600)},
                                   ":dialing": {"S": DIALING}, ":joined": {"S": JOINED}},
    )
    return list(response.get("Items", []))


def hang_up_calls(clients: AwsClients, settings: Settings, appointment_id: str) -> int:
    """Ask the SIP media application to hang up every call of the appointment that may still
    be ringing or connected; returns how many were asked. The handler answers the request
    (CALL_UPDATE_REQUESTED) with a Hangup. Nothing to do where PSTN audio is not deployed."""
    if not (settings.calls_table and settings.sip_media_application_id):
        return 0
    asked = 0
    for item in live_calls(clients, settings, appointment_id):
        transaction_id = item["transaction_id"]["S"]
        try:
            clients.chime_voice.update_sip_media_application_call(
                SipMediaApplicationId=settings.sip_media_application_id, TransactionId=transaction_id,
                Arguments=HANGUP_ARGUMENT)
            asked += 1
        except Exception as exc:
            # The call ended meanwhile (Chime no longer knows the transaction): nothing to hang up.
            log_event(logger, "call_hangup_request_failed", logging.INFO, appointment_id=appointment_id,
                      transaction_id=transaction_id, aws_code=error_code(exc))
    return asked
