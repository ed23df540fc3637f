"""Sends a participant's chat message to the appointment's channel as that participant."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from telehealth_shared.appointment_records import load_for_participant
from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict
from telehealth_shared.log import log_event
from telehealth_shared.models.messaging import Message, SendMessageRequest, Sender

from .parts.channel_messages import send_as_user

logger = logging.getLogger("telehealth.messaging.send")


@audit_action("message.send", change=True)
def send_message(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
                 body: SendMessageRequest) -> Message:
    """AWS calls: one GetItem (participant and status), one SendChannelMessage."""
    record, role = load_for_participant(clients, settings, appointment_id, principal)
    if not record.is_open:
        raise Conflict(record.closed_message())
    message_id = send_as_user(clients, settings, record, principal.user_id, content=body.content, kind="chat",
                              client_id=body.client_id)
    log_event(logger, "message_sent", appointment_id=appointment_id, role=role, message_id=message_id)
    return Message(
        message_id=message_id,
        kind="chat",
        content=body.content,
        sender=Sender(user_id=principal.user_id, name=record.doctor_name if role == "doctor" else record.patient_name,
                      role=role),
        # SendChannelMessage does not return Chime's timestamp; history shows Chime's own,
        # which is at most the round trip earlier than this.
        created_at=datetime.now(timezone.utc),
        client_id=body.client_id,
    )
