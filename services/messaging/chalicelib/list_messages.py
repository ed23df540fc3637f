"""Reads an appointment's chat history page by page: the newest page first, oldest first inside
a page, the page token going further back."""
from __future__ import annotations

from telehealth_shared.appointment_records import load_for_participant
from telehealth_shared.audit_scope import audit_action
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_aws_failure, translate
from telehealth_shared.chime_channel import user_arn
from telehealth_shared.chime_pages import list_pages
from telehealth_shared.config import Settings
from telehealth_shared.errors import ValidationFailed
from telehealth_shared.models.messaging import MessagesPage, MessagesQuery

from .parts.channel_messages import to_api_message

# ListChannelMessages returns at most 50 messages a call; the API allows pages of 100.
CHIME_MAX_RESULTS = 50


@audit_action("message.list")
def list_messages(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
                  query: MessagesQuery) -> MessagesPage:
    """AWS calls: one GetItem, then one ListChannelMessages per 50 messages of `limit`.

    The page token is Chime's NextToken, unchanged: it is already opaque, bound to the
    channel, and at most 2048 characters, which is the API's limit too (wrapping it would
    make it longer than that).
    """
    record, _role = load_for_participant(clients, settings, appointment_id, principal)
    bearer = user_arn(settings, principal.user_id)
    refused = ValidationFailed("The page token is not valid.",
                               [{"path": "query.next_token", "message": "not a token this service issued"}])
    request = {"ChannelArn": record.channel_arn, "ChimeBearer": bearer, "SortOrder": "DESCENDING"}
    try:
        listed = list_pages(clients.chime_messaging.list_channel_messages, request, "ChannelMessages",
                            page_size=CHIME_MAX_RESULTS, limit=query.limit, next_token=query.next_token,
                            bad_token=refused)
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc) from exc
        raise
    newest_first, token = listed.items, listed.next_token
    messages = [m for m in (to_api_message(s, record, settings) for s in reversed(newest_first)) if m is not None]
    return MessagesPage(messages=messages, next_token=token or None)
