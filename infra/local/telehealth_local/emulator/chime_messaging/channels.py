"""Channel operations of the emulated messaging service: create, describe, update, delete, list, per-user lists, session endpoint."""
from __future__ import annotations

import uuid
from typing import Any

from ..core import not_emulated, paginate, utcnow
from ..core.tagging import tag_dict
from .access import ChannelAccess
from .exceptions import ConflictException, ForbiddenException, NotFoundException, ServiceUnavailableException
from .shapes import summary
from .state import Channel, Membership, Moderator, check_metadata, no_sub_channel


class ChannelOperations(ChannelAccess):
    """Channels and the per-AppInstanceUser views of them."""

    def create_channel(self, AppInstanceArn: str, Name: str, ClientRequestToken: str, ChimeBearer: str,
                       Mode: str = "UNRESTRICTED", Privacy: str = "PUBLIC", Metadata: str | None = None,
                       Tags: list[dict[str, str]] | None = None, ChannelId: str | None = None,
                       MemberArns: list[str] | None = None, ModeratorArns: list[str] | None = None,
                       ElasticChannelConfiguration: dict[str, Any] | None = None,
                       ExpirationSettings: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.lock:
            if ElasticChannelConfiguration is not None:
                raise not_emulated("Elastic channels (ElasticChannelConfiguration)")
            if not self._identity.has_app_instance(AppInstanceArn):
                raise NotFoundException("The requested AppInstance does not exist.")
            self._caller(ChimeBearer, AppInstanceArn)
            check_metadata(Metadata)
            arn = f"{AppInstanceArn}/channel/{ChannelId or uuid.uuid4().hex}"
            if arn in self.channels:
                raise ConflictException("A channel with this ChannelId already exists.")
            members = list(dict.fromkeys(MemberArns or []))
            moderators = list(dict.fromkeys([ChimeBearer, *(ModeratorArns or [])]))
            for user_arn in {*members, *moderators}:
                self._user_of(AppInstanceArn, user_arn)
            now = utcnow()
            channel = Channel(arn, AppInstanceArn, Name, Mode, Privacy, Metadata, ChimeBearer, now, now,
                              next(self._seq), expiration=ExpirationSettings, tags=tag_dict(Tags))
            for user_arn in members:
                channel.members[user_arn] = Membership(user_arn, "DEFAULT", ChimeBearer, now, now, next(self._seq))
            for user_arn in moderators:
                channel.moderators[user_arn] = Moderator(user_arn, ChimeBearer, now, next(self._seq))
            self.channels[arn] = channel
            return {"ChannelArn": arn}

    def describe_channel(self, ChannelArn: str, ChimeBearer: str) -> dict[str, Any]:
        with self.lock:
            channel, _ = self._authorize(ChannelArn, ChimeBearer, public_read=True)
            return {"Channel": self._channel_view(channel)}

    def update_channel(self, ChannelArn: str, ChimeBearer: str, Name: str | None = None, Mode: str | None = None,
                       Metadata: str | None = None) -> dict[str, Any]:
        with self.lock:
            channel, roles = self._authorize(ChannelArn, ChimeBearer)
            self._require_manager(roles, "update a channel")
            check_metadata(Metadata)
            if Name is not None:
                channel.name = Name
            if Mode is not None:
                channel.mode = Mode
            if Metadata is not None:
                channel.metadata = Metadata
            channel.updated = utcnow()
            self._publish(self._members(channel), "UPDATE_CHANNEL", "SYSTEM", self._channel_view(channel))
            return {"ChannelArn": channel.arn}

    def delete_channel(self, ChannelArn: str, ChimeBearer: str, SubChannelId: str | None = None) -> None:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel, roles = self._authorize(ChannelArn, ChimeBearer)
            self._require_manager(roles, "delete a channel")
            recipients = self._members(channel)
            view = self._channel_view(channel)
            del self.channels[channel.arn]
            self._publish(recipients, "DELETE_CHANNEL", "SYSTEM", view)

    def list_channels(self, AppInstanceArn: str, ChimeBearer: str, Privacy: str = "PUBLIC",
                      MaxResults: int | None = None, NextToken: str | None = None) -> dict[str, Any]:
        with self.lock:
            if not self._identity.has_app_instance(AppInstanceArn):
                raise NotFoundException("The requested AppInstance does not exist.")
            self._caller(ChimeBearer, AppInstanceArn)
            if Privacy == "PRIVATE" and not self._identity.is_admin(AppInstanceArn, ChimeBearer):
                raise ForbiddenException("Only an AppInstanceAdmin can list private channels.")
            items = sorted((c for c in self.channels.values()
                            if c.app_instance_arn == AppInstanceArn and c.privacy == Privacy), key=lambda c: c.seq)
            page, token = paginate(items, key=lambda c: c.seq, max_results=MaxResults, next_token=NextToken,
                                   scope=f"ListChannels:{AppInstanceArn}:{Privacy}")
            return {"Channels": [summary(c) for c in page], "NextToken": token}

    # --- per-user views ----------------------------------------------------------------------

    def list_channels_moderated_by_app_instance_user(self, ChimeBearer: str, AppInstanceUserArn: str | None = None,
                                                     MaxResults: int | None = None,
                                                     NextToken: str | None = None) -> dict[str, Any]:
        with self.lock:
            _, page, token = self._user_channel_page(ChimeBearer, AppInstanceUserArn, "moderators",
                                                     "ListChannelsModeratedByAppInstanceUser", MaxResults, NextToken)
            return {"Channels": [{"ChannelSummary": summary(c)} for c in page], "NextToken": token}

    def list_channel_memberships_for_app_instance_user(self, ChimeBearer: str, AppInstanceUserArn: str | None = None,
                                                       MaxResults: int | None = None,
                                                       NextToken: str | None = None) -> dict[str, Any]:
        with self.lock:
            target, page, token = self._user_channel_page(ChimeBearer, AppInstanceUserArn, "members",
                                                          "ListChannelMembershipsForAppInstanceUser", MaxResults,
                                                          NextToken)
            return {"ChannelMemberships": [self._membership_for_user(c, target) for c in page], "NextToken": token}

    def _user_channel_page(self, bearer: str, user_arn: str | None, role: str, operation: str,
                           max_results: int | None, next_token: str | None) -> tuple[str, list[Channel], str | None]:
        """The subject user and one page of the live channels whose `role` ("members", "moderators") holds it."""
        target = self._subject(bearer, user_arn)
        items = sorted((c for c in self._live_channels() if target in getattr(c, role)), key=lambda c: c.seq)
        page, token = paginate(items, key=lambda c: c.seq, max_results=max_results, next_token=next_token,
                               scope=f"{operation}:{target}")
        return target, page, token

    def describe_channel_membership_for_app_instance_user(self, ChannelArn: str, AppInstanceUserArn: str,
                                                          ChimeBearer: str) -> dict[str, Any]:
        with self.lock:
            target = self._subject(ChimeBearer, AppInstanceUserArn)
            channel = self._channel(ChannelArn)
            if target not in channel.members:
                raise NotFoundException("The AppInstanceUser is not a member of this channel.")
            return {"ChannelMembership": self._membership_for_user(channel, target)}

    def describe_channel_moderated_by_app_instance_user(self, ChannelArn: str, AppInstanceUserArn: str,
                                                        ChimeBearer: str) -> dict[str, Any]:
        with self.lock:
            target = self._subject(ChimeBearer, AppInstanceUserArn)
            channel = self._channel(ChannelArn)
            if target not in channel.moderators:
                raise NotFoundException("The AppInstanceUser is not a moderator of this channel.")
            return {"Channel": {"ChannelSummary": summary(channel)}}

    # --- the messaging-session endpoint ------------------------------------------------------

    def get_messaging_session_endpoint(self, NetworkType: str | None = None) -> dict[str, Any]:
        url = self._session_endpoint.get()
        if url is None:
            raise ServiceUnavailableException("The local messaging session (websocket) server is not running.")
        return {"Endpoint": {"Url": url}}
