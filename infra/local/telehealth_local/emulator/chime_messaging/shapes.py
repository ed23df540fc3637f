"""The wire shapes of the emulated messaging service: channel summary, the one ChannelMessage builder, websocket frames."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..core import iso8601
from .state import Channel, Message


def summary(channel: Channel) -> dict[str, Any]:
    """A ChannelSummary."""
    return {"Name": channel.name, "ChannelArn": channel.arn, "Mode": channel.mode, "Privacy": channel.privacy,
            "Metadata": channel.metadata, "LastMessageTimestamp": channel.last_message}


def message_shape(message: Message, *, summary: bool = False, frame: bool = False) -> dict[str, Any]:
    """A ChannelMessage as the API returns it; `summary`: a ChannelMessageSummary (no ChannelArn, no
    Persistence); `frame`: as a websocket event's Payload carries it (no Status)."""
    shape: dict[str, Any] = {} if summary else {"ChannelArn": message.channel_arn}
    shape.update({
        "MessageId": message.message_id,
        "Content": None if message.redacted else message.content,
        "Metadata": message.metadata,
        "Type": message.type,
        "CreatedTimestamp": message.created,
        "LastUpdatedTimestamp": message.updated,
        "LastEditedTimestamp": message.edited,
        "Sender": {"Arn": message.sender_arn, "Name": message.sender_name},
        "Redacted": message.redacted,
    })
    if not frame:
        shape["Status"] = {"Value": "SENT"}
    if not summary:
        shape["Persistence"] = message.persistence
    shape["MessageAttributes"] = message.attributes
    shape["ContentType"] = message.content_type
    return shape


def wire(value: Any) -> Any:
    """JSON-ready: datetimes as ISO-8601 strings, None members dropped."""
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [wire(v) for v in value]
    if isinstance(value, dt.datetime):
        return iso8601(value)
    return value


def make_frame(event_type: str, message_type: str, payload: dict[str, Any] | None) -> dict[str, Any]:
    """A frame in the Chime SDK messaging websocket format; Payload is JSON text, not an object."""
    return {
        "Headers": {"x-amz-chime-event-type": event_type, "x-amz-chime-message-type": message_type},
        "Payload": json.dumps(wire(payload), separators=(",", ":")) if payload is not None else "",
    }
