"""Who may touch a channel of the emulated messaging service: the caller, its roles, and the views that name users."""
from __future__ import annotations

import dataclasses
import itertools
import threading
from typing import TYPE_CHECKING, Any, Iterable

from ..chime_identity import models as identity
from ..core import BackendRegistry, Setting
from ..core.tagging import MAX_TAGS, ChimeTagging
from .exceptions import BadRequestException, ForbiddenException, NotFoundException
from .shapes import make_frame, summary
from .state import Channel, Membership, Message

if TYPE_CHECKING:
    from ...events import EventHub


@dataclasses.dataclass(frozen=True)
class Roles:
    member: bool
    moderator: bool
    admin: bool

    @property
    def manager(self) -> bool:
        return self.moderator or self.admin

    @property
    def any(self) -> bool:
        return self.member or self.moderator or self.admin


class ChannelAccess(ChimeTagging):
    """The state of one (account, region) and the checks every operation makes; users and admins
    come from the identity backend.

    `hub` carries the channel events to the websocket sessions; `session_endpoint` is the
    host:port GetMessagingSessionEndpoint returns (None until the session server listens).
    """

    def __init__(self, account_id: str, region: str, *, identities: BackendRegistry[identity.IdentityBackend],
                 hub: EventHub, session_endpoint: Setting[str | None]):
        self.account_id = account_id
        self.region = region
        self._identities = identities
        self._hub = hub
        self._session_endpoint = session_endpoint
        self.lock = threading.RLock()
        self._tags_lock = self.lock
        self.channels: dict[str, Channel] = {}
        self._seq = itertools.count(1)

    @property
    def _identity(self) -> identity.IdentityBackend:
        return self._identities.get(self.account_id, self.region)

    def _name(self, user_arn: str) -> str:
        user = self._identity.get_user(user_arn)
        return user.name if user else ""

    def _who(self, user_arn: str) -> dict[str, str]:
        return {"Arn": user_arn, "Name": self._name(user_arn)}

    def _caller(self, bearer: str, app_instance_arn: str | None) -> identity.AppInstanceUser:
        user = self._identity.get_user(bearer)
        if user is None:
            raise ForbiddenException("The ChimeBearer is not an existing AppInstanceUser.")
        if app_instance_arn is not None and user.app_instance_arn != app_instance_arn:
            raise ForbiddenException("The ChimeBearer does not belong to this AppInstance.")
        return user

    def _user_of(self, app_instance_arn: str, user_arn: str) -> identity.AppInstanceUser:
        user = self._identity.get_user(user_arn)
        if user is None or user.app_instance_arn != app_instance_arn:
            raise NotFoundException("The AppInstanceUser does not exist in this AppInstance.")
        return user

    def _channel(self, channel_arn: str) -> Channel:
        channel = self.channels.get(channel_arn)
        if channel is None or not self._identity.has_app_instance(channel.app_instance_arn):
            raise NotFoundException("The requested channel does not exist.")
        return channel

    def _roles(self, channel: Channel, user_arn: str) -> Roles:
        return Roles(
            member=user_arn in channel.members,
            moderator=user_arn in channel.moderators,
            admin=self._identity.is_admin(channel.app_instance_arn, user_arn),
        )

    def _authorize(self, channel_arn: str, bearer: str, *, public_read: bool = False) -> tuple[Channel, Roles]:
        """The channel and the caller's roles; Forbidden unless member, moderator or admin."""
        self._caller(bearer, identity.app_instance_of(channel_arn))
        channel = self._channel(channel_arn)
        roles = self._roles(channel, bearer)
        if not roles.any and not (public_read and channel.privacy == "PUBLIC"):
            raise ForbiddenException("The ChimeBearer is not a member, moderator or AppInstanceAdmin of this channel.")
        return channel, roles

    def _require_manager(self, roles: Roles, action: str) -> None:
        if not roles.manager:
            raise ForbiddenException(f"Only channel moderators and AppInstanceAdmins can {action}.")

    def _authorize_adding(self, channel_arn: str, bearer: str, member_arns: list[str]) -> Channel:
        self._caller(bearer, identity.app_instance_of(channel_arn))
        channel = self._channel(channel_arn)
        roles = self._roles(channel, bearer)
        if roles.manager:
            return channel
        if channel.mode == "UNRESTRICTED":
            if roles.member:
                return channel
            if channel.privacy == "PUBLIC" and member_arns == [bearer]:
                return channel
        if not roles.any:
            raise ForbiddenException("The ChimeBearer is not a member, moderator or AppInstanceAdmin of this channel.")
        raise ForbiddenException("Only channel moderators and AppInstanceAdmins can add members to a RESTRICTED channel.")

    def _subject(self, bearer: str, user_arn: str | None) -> str:
        """Whose channels: the bearer's own, or (AppInstanceAdmins only) another user's of the same AppInstance."""
        caller = self._caller(bearer, None)
        target = user_arn or bearer
        if target != bearer:
            if identity.app_instance_of(target) != caller.app_instance_arn or \
                    not self._identity.is_admin(caller.app_instance_arn, bearer):
                raise ForbiddenException("Only an AppInstanceAdmin can act for another AppInstanceUser.")
        return target

    def _members(self, channel: Channel) -> list[str]:
        """Current members that still exist as users (the recipients of channel events)."""
        return [arn for arn in channel.members if self._identity.get_user(arn) is not None]

    def _live_channels(self) -> list[Channel]:
        return [c for c in self.channels.values()
                if self._identity.has_app_instance(c.app_instance_arn)]

    def _message(self, channel: Channel, message_id: str) -> Message:
        message = channel.messages.get(message_id)
        if message is None:
            raise NotFoundException("The requested channel message does not exist.")
        return message

    def _publish(self, recipients: Iterable[str], event_type: str, message_type: str, payload: dict[str, Any]) -> None:
        self._hub.publish(list(recipients), make_frame(event_type, message_type, payload))

    # --- views naming users ------------------------------------------------------------------

    def _channel_view(self, channel: Channel) -> dict[str, Any]:
        return {
            "Name": channel.name, "ChannelArn": channel.arn, "Mode": channel.mode, "Privacy": channel.privacy,
            "Metadata": channel.metadata, "CreatedBy": self._who(channel.created_by),
            "CreatedTimestamp": channel.created, "LastMessageTimestamp": channel.last_message,
            "LastUpdatedTimestamp": channel.updated, "ExpirationSettings": channel.expiration,
        }

    def _membership_view(self, channel: Channel, membership: Membership) -> dict[str, Any]:
        return {
            "InvitedBy": self._who(membership.invited_by), "Type": membership.type,
            "Member": self._who(membership.member_arn), "ChannelArn": channel.arn,
            "CreatedTimestamp": membership.created, "LastUpdatedTimestamp": membership.updated,
        }

    def _membership_for_user(self, channel: Channel, user_arn: str) -> dict[str, Any]:
        return {"ChannelSummary": summary(channel),
                "AppInstanceUserMembershipSummary": {"Type": channel.members[user_arn].type}}

    # --- tags --------------------------------------------------------------------------------

    def _tags_of(self, arn: str) -> dict[str, str]:
        channel = self.channels.get(arn)
        if channel is None:
            raise NotFoundException("The requested resource does not exist.")
        return channel.tags

    def _too_many_tags(self, arn: str) -> BadRequestException:
        return BadRequestException(f"A resource can have at most {MAX_TAGS} tags.")
