"""Message operations of the emulated messaging service: send, list, get, update, redact, delete (and their events)."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ..core import not_emulated, paginate, utcnow
from .access import ChannelAccess
from .exceptions import BadRequestException, ForbiddenException
from .shapes import message_shape
from .state import Message, check_content, no_sub_channel


class MessageOperations(ChannelAccess):
    """A channel's messages."""

    def send_channel_message(self, ChannelArn: str, Content: str, Type: str, Persistence: str,
                             ClientRequestToken: str, ChimeBearer: str, Metadata: str | None = None,
                             PushNotification: dict[str, Any] | None = None,
                             MessageAttributes: dict[str, Any] | None = None, SubChannelId: str | None = None,
                             ContentType: str | None = None, Target: list[dict[str, Any]] | None = None
                             ) -> dict[str, Any]:
        with self.lock:
            no_sub_channel(SubChannelId)
            if Target is not None:
                raise not_emulated("Targeted messages (Target)")
            channel, _ = self._authorize(ChannelArn, ChimeBearer)
            check_content(Type, Content, Metadata)
            now = utcnow()
            message = Message(uuid.uuid4().hex, channel.arn, Content, Metadata, Type, Persistence, ChimeBearer,
                              self._name(ChimeBearer), now, now, next(self._seq), attributes=MessageAttributes,
                              content_type=ContentType)
            if Persistence == "PERSISTENT":
                channel.messages[message.message_id] = message
                channel.last_message = now
            self._publish(self._members(channel), "CREATE_CHANNEL_MESSAGE", Type, message_shape(message, frame=True))
            return {"ChannelArn": channel.arn, "MessageId": message.message_id, "Status": {"Value": "SENT"}}

    def list_channel_messages(self, ChannelArn: str, ChimeBearer: str, SortOrder: str = "DESCENDING",
                              NotBefore: dt.datetime | None = None, NotAfter: dt.datetime | None = None,
                              MaxResults: int | None = None, NextToken: str | None = None,
                              SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel, _ = self._authorize(ChannelArn, ChimeBearer, public_read=True)
            descending = SortOrder == "DESCENDING"
            items = [m for m in channel.messages.values()
                     if (NotBefore is None or m.created >= NotBefore) and (NotAfter is None or m.created <= NotAfter)]
            items.sort(key=lambda m: m.seq, reverse=descending)
            scope = f"ListChannelMessages:{channel.arn}:{SortOrder}:{NotBefore}:{NotAfter}"
            page, token = paginate(items, key=lambda m: m.seq, max_results=MaxResults, next_token=NextToken,
                                   scope=scope, descending=descending)
            return {"ChannelArn": channel.arn, "ChannelMessages": [message_shape(m, summary=True) for m in page],
                    "NextToken": token}

    def get_channel_message(self, ChannelArn: str, MessageId: str, ChimeBearer: str,
                            SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel, _ = self._authorize(ChannelArn, ChimeBearer, public_read=True)
            return {"ChannelMessage": message_shape(self._message(channel, MessageId))}

    def update_channel_message(self, ChannelArn: str, MessageId: str, Content: str, ChimeBearer: str,
                               Metadata: str | None = None, SubChannelId: str | None = None,
                               ContentType: str | None = None) -> dict[str, Any]:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel, _ = self._authorize(ChannelArn, ChimeBearer)
            message = self._message(channel, MessageId)
            if message.sender_arn != ChimeBearer:
                raise ForbiddenException("Only the sender can update a channel message.")
            if message.redacted:
                raise BadRequestException("A redacted message cannot be updated.")
            check_content(message.type, Content, Metadata)
            now = utcnow()
            message.content = Content
            if Metadata is not None:
                message.metadata = Metadata
            if ContentType is not None:
                message.content_type = ContentType
            message.edited = message.updated = now
            self._publish(self._members(channel), "UPDATE_CHANNEL_MESSAGE", message.type, message_shape(message, frame=True))
            return {"ChannelArn": channel.arn, "MessageId": message.message_id, "Status": {"Value": "SENT"}}

    def redact_channel_message(self, ChannelArn: str, MessageId: str, ChimeBearer: str,
                               SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel, roles = self._authorize(ChannelArn, ChimeBearer)
            message = self._message(channel, MessageId)
            if message.sender_arn != ChimeBearer and not roles.manager:
                raise ForbiddenException("Only the sender, channel moderators and AppInstanceAdmins can redact a message.")
            message.redacted = True
            message.content, message.metadata, message.attributes = "", None, None
            message.updated = utcnow()
            self._publish(self._members(channel), "REDACT_CHANNEL_MESSAGE", message.type, message_shape(message, frame=True))
            return {"ChannelArn": channel.arn, "MessageId": message.message_id}

    def delete_channel_message(self, ChannelArn: str, MessageId: str, ChimeBearer: str,
                               SubChannelId: str | None = None) -> None:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel, roles = self._authorize(ChannelArn, ChimeBearer)
            message = self._message(channel, MessageId)
            self._require_manager(roles, "delete channel messages")
            del channel.messages[message.message_id]
            payload = message_shape(message, frame=True)
            payload.pop("Content", None)
            payload.pop("Metadata", None)
            self._publish(self._members(channel), "DELETE_CHANNEL_MESSAGE", message.type, payload)
