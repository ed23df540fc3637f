"""The emulated Chime SDK messaging service's records (channels, memberships, moderators, messages) and its content rules."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from ..core import not_emulated
from .exceptions import BadRequestException

STANDARD_CONTENT_MAX_BYTES = 4096
CONTROL_CONTENT_MAX_BYTES = 30
METADATA_MAX_BYTES = 1024


@dataclasses.dataclass
class Membership:
    member_arn: str
    type: str
    invited_by: str
    created: dt.datetime
    updated: dt.datetime
    seq: int


@dataclasses.dataclass
class Moderator:
    user_arn: str
    created_by: str
    created: dt.datetime
    seq: int


@dataclasses.dataclass
class Message:
    message_id: str
    channel_arn: str
    content: str
    metadata: str | None
    type: str
    persistence: str
    sender_arn: str
    sender_name: str
    created: dt.datetime
    updated: dt.datetime
    seq: int
    edited: dt.datetime | None = None
    redacted: bool = False
    attributes: dict[str, Any] | None = None
    content_type: str | None = None


@dataclasses.dataclass
class Channel:
    arn: str
    app_instance_arn: str
    name: str
    mode: str
    privacy: str
    metadata: str | None
    created_by: str
    created: dt.datetime
    updated: dt.datetime
    seq: int
    last_message: dt.datetime | None = None
    expiration: dict[str, Any] | None = None
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    members: dict[str, Membership] = dataclasses.field(default_factory=dict)
    moderators: dict[str, Moderator] = dataclasses.field(default_factory=dict)
    messages: dict[str, Message] = dataclasses.field(default_factory=dict)


def check_content(message_type: str, content: str, metadata: str | None) -> None:
    size = len(content.encode("utf-8"))
    if message_type == "CONTROL":
        if size > CONTROL_CONTENT_MAX_BYTES:
            raise BadRequestException(f"CONTROL message Content must be at most {CONTROL_CONTENT_MAX_BYTES} bytes.")
        if metadata is not None:
            raise BadRequestException("CONTROL messages cannot have Metadata.")
        return
    if size > STANDARD_CONTENT_MAX_BYTES:
        raise BadRequestException(f"Content must be at most {STANDARD_CONTENT_MAX_BYTES} bytes (UTF-8).")
    check_metadata(metadata)


def check_metadata(metadata: str | None) -> None:
    if metadata is not None and len(metadata.encode("utf-8")) > METADATA_MAX_BYTES:
        raise BadRequestException(f"Metadata must be at most {METADATA_MAX_BYTES} bytes (UTF-8).")


def no_sub_channel(sub_channel_id: str | None) -> None:
    if sub_channel_id is not None:
        raise not_emulated("Elastic channels (SubChannelId)")
