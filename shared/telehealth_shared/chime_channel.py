"""An appointment's Chime channel as every service speaks to it: AppInstanceUser ARNs, the API's
message metadata convention (docs/api/README.md), and posting one message."""
from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any, Mapping

from pydantic import ValidationError

from .aws import AwsClients
from .config import Settings
from .models.messaging import ChannelMessageMetadata


def user_arn(settings: Settings, user_id: str) -> str:
    """The AppInstanceUser ARN of a user (its AppInstanceUserId is the Cognito sub)."""
    return f"{settings.require('app_instance_arn')}/user/{user_id}"


def encode_metadata(kind: str, client_id: str | None = None, data: Mapping[str, Any] | None = None) -> str:
    """A message's Metadata: compact JSON {"kind", "client_id"?, "data"?}, non-ASCII kept as is
    (Chime counts the 1 KB limit in bytes either way, and escapes would only make it longer)."""
    metadata = ChannelMessageMetadata(kind=kind, client_id=client_id, data=dict(data) if data is not None else None)
    return json.dumps(metadata.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False)


def decode_metadata(raw: str | None) -> ChannelMessageMetadata:
    """The metadata of a channel message; anything not in the convention reads as plain chat
    (messages written by other Chime clients still show up, as text)."""
    if raw:
        try:
            return ChannelMessageMetadata.model_validate_json(raw)
        except ValidationError:
            pass
    return ChannelMessageMetadata(kind="chat")


def request_token(*parts: str) -> str:
    """A ClientRequestToken that is the same whenever the same parts are: for a post that a
    retried invocation may repeat (64 hex characters, within Chime's pattern and length)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def post_message(clients: AwsClients, *, channel_arn: str, bearer: str, content: str, metadata: str,
                 token: str | None = None) -> str:
    """Send one persistent STANDARD message as `bearer`; returns its MessageId.

    `token` names the post for Chime's idempotency: pass request_token(...) of what makes the
    post unique when a retry of the same work may send it again; without one each call is a
    new message (a fresh token, which botocore's own retries of this call reuse)."""
    response = clients.chime_messaging.send_channel_message(
        ChannelArn=channel_arn,
        Content=content,
        Type="STANDARD",
        Persistence="PERSISTENT",
        Metadata=metadata,
        ClientRequestToken=token or str(uuid.uuid4()),
        ChimeBearer=bearer,
    )
    return response["MessageId"]
