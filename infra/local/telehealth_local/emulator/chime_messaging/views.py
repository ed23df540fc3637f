"""Plain-Python reads of the emulated Chime SDK messaging service for the websocket session server (never HTTP)."""
from __future__ import annotations

from typing import Any

from ..chime_identity.models import IdentityBackend
from ..core import BackendRegistry
from ..core.arns import parse_arn
from .models import MessagingBackend


class MessagingViews:
    """Who is in which channel, and the channel details a session prefetches, in one emulator."""

    def __init__(self, backends: BackendRegistry[MessagingBackend], identities: BackendRegistry[IdentityBackend]):
        self._backends = backends
        self._identities = identities

    def user_exists(self, user_arn: str) -> bool:
        """Whether the AppInstanceUser exists (its account and region read from the ARN)."""
        arn = parse_arn(user_arn)
        if arn is None or arn.service != "chime":
            return False
        return self._identities.get(arn.account_id, arn.region).get_user(user_arn) is not None

    def prefetch(self, user_arn: str, sort_by: str | None = None) -> list[dict[str, Any]]:
        """CHANNEL_DETAILS payloads for a session's prefetch-on=connect, most recently active first.

        The emulator keeps no read markers, so both sort orders (`unread`,
        `last-message-timestamp`) come out by last message activity.
        """
        arn = parse_arn(user_arn)
        if arn is None or arn.service != "chime":
            raise ValueError("not an AppInstanceUser ARN")
        return self.channel_details(arn.account_id, arn.region, user_arn)

    def channels_for_member(self, account_id: str, region: str, user_arn: str) -> list[str]:
        """ARNs of the channels `user_arn` is a member of (the channels whose events it receives)."""
        return self._backends.get(account_id, region).channels_of(user_arn)

    def channel_members(self, account_id: str, region: str, channel_arn: str) -> list[str]:
        """Member ARNs of a channel; raises NotFoundException for an unknown channel."""
        return self._backends.get(account_id, region).members_of(channel_arn)

    def channel_details(self, account_id: str, region: str, user_arn: str, limit: int = 50) -> list[dict[str, Any]]:
        """CHANNEL_DETAILS payloads (prefetch-on=connect) for the user's channels, most recently active first."""
        return self._backends.get(account_id, region).details_for(user_arn, limit)
