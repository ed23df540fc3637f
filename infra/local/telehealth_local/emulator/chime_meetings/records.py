"""The records of the emulated Chime SDK meetings service (meetings and attendees) and their documented input rules."""
from __future__ import annotations

import base64
import itertools
import re
import secrets
import uuid
from typing import Any

from ..core.tagging import tag_dict
from .exceptions import BadRequestException
from .placement import media_placement

# The API reference lists these media Regions (commercial and GovCloud); any other value is
# refused with BadRequest, as on AWS.
MEDIA_REGIONS = frozenset({
    "af-south-1", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1", "eu-west-1",
    "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "us-gov-east-1", "us-gov-west-1",
})

# ExternalUserId / ExternalMeetingId pattern from the API reference; botocore's model omits it.
EXTERNAL_ID = re.compile(r"[-_&@+=,(){}\[\]/«».:|'\"#a-zA-Z0-9À-ÿ\s]*")
DEFAULT_CAPABILITIES = {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"}
RECEIVING = {"SendReceive", "Receive"}
DEFAULT_MAX_ATTENDEES = 250
DEFAULT_PAGE_SIZE = 10


def check_external_id(value: str, member: str) -> None:
    if value.lower().startswith("aws:"):
        raise BadRequestException(f"{member} values beginning with aws: are reserved.")
    if not EXTERNAL_ID.fullmatch(value):
        raise BadRequestException(f"{member} contains characters that are not allowed.")


class Attendee:
    def __init__(self, external_user_id: str, capabilities: dict[str, str], order: int):
        # Creation order in its meeting: ListAttendees pages by it, so its NextToken is a stable cursor.
        self.order = order
        self.attendee_id = str(uuid.uuid4())
        self.external_user_id = external_user_id
        # Real join tokens are opaque base64 text; this one only has to be unguessable. The
        # browser SDK sends it as a WebSocket subprotocol, so it is base64url without padding.
        secret = secrets.token_urlsafe(24)
        self.join_token = base64.urlsafe_b64encode(f"{self.attendee_id}:{secret}".encode()).decode().rstrip("=")
        self.capabilities = dict(capabilities)
        # Only the call simulator sets this ("phone"); the AWS shapes never show it.
        self.connected_via: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ExternalUserId": self.external_user_id,
            "AttendeeId": self.attendee_id,
            "JoinToken": self.join_token,
            "Capabilities": dict(self.capabilities),
        }


class Meeting:
    def __init__(self, account_id: str, region: str, request: dict[str, Any], media_endpoint: str | None):
        self.meeting_id = str(uuid.uuid4())
        self.arn = f"arn:aws:chime:{region}:{account_id}:meeting/{self.meeting_id}"
        self.external_meeting_id: str = request["ExternalMeetingId"]
        self.media_region: str = request["MediaRegion"]
        self.host_id: str | None = request.get("MeetingHostId")
        self.features: dict[str, Any] | None = request.get("MeetingFeatures")
        self.notifications: dict[str, Any] | None = request.get("NotificationsConfiguration")
        self.primary_meeting_id: str | None = request.get("PrimaryMeetingId")
        self.tenant_ids: list[str] | None = request.get("TenantIds")
        self.tags: dict[str, str] = tag_dict(request.get("Tags"))
        self.attendees: dict[str, Attendee] = {}
        self.by_external_user: dict[str, str] = {}
        self.attendee_order = itertools.count()
        self.placement = media_placement(media_endpoint, self.media_region, self.meeting_id)

    @property
    def max_attendees(self) -> int:
        return ((self.features or {}).get("Attendee") or {}).get("MaxCount") or DEFAULT_MAX_ATTENDEES

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "MeetingId": self.meeting_id,
            "ExternalMeetingId": self.external_meeting_id,
            "MediaRegion": self.media_region,
            "MediaPlacement": dict(self.placement),
            "MeetingArn": self.arn,
        }
        if self.host_id is not None:
            out["MeetingHostId"] = self.host_id
        if self.features is not None:
            out["MeetingFeatures"] = self.features
        if self.primary_meeting_id is not None:
            out["PrimaryMeetingId"] = self.primary_meeting_id
        if self.tenant_ids is not None:
            out["TenantIds"] = list(self.tenant_ids)
        return out

    def check_capabilities(self, capabilities: dict[str, str]) -> None:
        """The two documented capability rules; both are BadRequest on AWS."""
        video_resolution = ((self.features or {}).get("Video") or {}).get("MaxResolution")
        if video_resolution == "None" and capabilities["Video"] != "None":
            raise BadRequestException("Video capabilities must be None when the meeting's video MaxResolution is None.")
        if capabilities["Content"] in RECEIVING and capabilities["Video"] not in RECEIVING:
            raise BadRequestException("Content can only be received when Video is SendReceive or Receive.")
