"""Decides which Chime SDK service a shared route (`/tags`) is for, from the resource ARN it names.

All four Chime SDK services have `GET /tags`, `POST /tags?operation=tag-resource|untag-resource`
and sign as `chime`; on AWS the host name tells them apart, locally only the ARN can.
"""
from __future__ import annotations

import json
from typing import Iterable

from .arns import parse_arn
from .request import EmulatedRequest

IDENTITY = "chime-sdk-identity"
MESSAGING = "chime-sdk-messaging"
MEETINGS = "chime-sdk-meetings"
VOICE = "chime-sdk-voice"


def chime_service_for_arn(arn: str) -> str | None:
    """The Chime SDK service owning `arn` (by its resource part), or None if it is no Chime ARN."""
    parsed = parse_arn(arn)
    if parsed is None or parsed.service != "chime":
        return None
    resource = parsed.resource
    if resource.startswith("app-instance/"):
        return MESSAGING if "/channel/" in resource else IDENTITY
    if resource.startswith("channel-flow/"):
        return MESSAGING
    if resource.startswith("meeting/"):
        return MEETINGS
    # SIP media applications (sma/), voice connectors (vc/), voice profiles and the rest.
    return VOICE


def resource_arn(request: EmulatedRequest) -> str | None:
    """The ARN a tagging request names: `?arn=` for ListTagsForResource, `ResourceARN` in the body otherwise."""
    values = request.query.get("arn")
    if values:
        return values[-1]
    try:
        document = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if isinstance(document, dict) and isinstance(document.get("ResourceARN"), str):
        return document["ResourceARN"]
    return None


def pick_service(services: Iterable[str], request: EmulatedRequest) -> str | None:
    arn = resource_arn(request)
    owner = chime_service_for_arn(arn) if arn else None
    return owner if owner in set(services) else None
