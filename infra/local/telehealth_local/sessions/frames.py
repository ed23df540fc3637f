"""Builds and serializes messaging-session frames in the Chime SDK wire shape:
{"Headers": {"x-amz-chime-event-type", "x-amz-chime-message-type", …}, "Payload": "<JSON text>"}."""
from __future__ import annotations

import json
from typing import Any, Mapping

EVENT_TYPE = "x-amz-chime-event-type"
MESSAGE_TYPE = "x-amz-chime-message-type"


def frame(event_type: str, message_type: str, payload: Any = "") -> dict[str, Any]:
    """A frame whose Payload is JSON text (the SDK parses it again), or "" when empty."""
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return {"Headers": {EVENT_TYPE: event_type, MESSAGE_TYPE: message_type}, "Payload": text}


def session_established() -> dict[str, Any]:
    # amazon-chime-sdk-js resolves start() on the event type alone and reads
    # `Payload || null`, so an empty payload is what it expects of this system frame.
    return frame("SESSION_ESTABLISHED", "SYSTEM")


def channel_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """Prefetch frame: {Channel, ChannelMemberships, ChannelMessages, ReadMarkerTimestamp}."""
    return frame("CHANNEL_DETAILS", "SYSTEM", dict(details))


def encode(value: Mapping[str, Any]) -> str:
    """Serialize a frame, refusing anything that is not in the wire shape.

    Raises ValueError so that a malformed frame from a publisher is caught where it was
    made rather than crashing a client's JSON.parse.
    """
    headers = value.get("Headers")
    payload = value.get("Payload", "")
    if not isinstance(headers, Mapping) or not isinstance(headers.get(EVENT_TYPE), str):
        raise ValueError("frame needs Headers with x-amz-chime-event-type")
    if not isinstance(payload, str):
        raise ValueError("frame Payload must be JSON text, not a nested object")
    return json.dumps({"Headers": dict(headers), "Payload": payload}, separators=(",", ":"))
