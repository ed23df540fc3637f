"""Membership and moderator operations of the emulated messaging service."""
from __future__ import annotations

from typing import Any

from ..core import paginate, utcnow
from .access import ChannelAccess
from .exceptions import NotFoundException
from .state import Membership, Moderator, no_sub_channel


class MembershipOperations(ChannelAccess):
    """Who is in a channel and who moderates it."""

    def create_channel_membership(self, ChannelArn: str, MemberArn: str, Type: str, ChimeBearer: str,
                                  SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel = self._authorize_adding(ChannelArn, ChimeBearer, [MemberArn])
            self._user_of(channel.app_instance_arn, MemberArn)
            membership = channel.members.get(MemberArn)
            if membership is None:
                now = utcnow()
                membership = Membership(MemberArn, Type, ChimeBearer, now, now, next(self._seq))
                channel.members[MemberArn] = membership
                self._publish(self._members(channel), "CREATE_CHANNEL_MEMBERSHIP", "SYSTEM",
                              self._membership_view(channel, membership))
            return {"ChannelArn": channel.arn, "Member": self._who(MemberArn)}

    def batch_create_channel_membership(self, ChannelArn: str, MemberArns: list[str], ChimeBearer: str,
                                        Type: str = "DEFAULT", SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel = self._authorize_adding(ChannelArn, ChimeBearer, MemberArns)
            added: list[str] = []
            errors: list[dict[str, str]] = []
            now = utcnow()
            for member_arn in dict.fromkeys(MemberArns):
                user = self._identity.get_user(member_arn)
                if user is None or user.app_instance_arn != channel.app_instance_arn:
                    errors.append({"MemberArn": member_arn, "ErrorCode": "NotFound",
                                   "ErrorMessage": "The AppInstanceUser does not exist in this AppInstance."})
                    continue
                if member_arn not in channel.members:
                    channel.members[member_arn] = Membership(member_arn, Type, ChimeBearer, now, now, next(self._seq))
                added.append(member_arn)
            batch = {"InvitedBy": self._who(ChimeBearer), "Type": Type,
                     "Members": [self._who(arn) for arn in added], "ChannelArn": channel.arn}
            if added:
                self._publish(self._members(channel), "BATCH_CREATE_CHANNEL_MEMBERSHIP", "SYSTEM", batch)
            return {"BatchChannelMemberships": batch, "Errors": errors}

    def describe_channel_membership(self, ChannelArn: str, MemberArn: str, ChimeBearer: str,
                                    SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel, _ = self._authorize(ChannelArn, ChimeBearer)
            membership = channel.members.get(MemberArn)
            if membership is None:
                raise NotFoundException("The requested channel membership does not exist.")
            return {"ChannelMembership": self._membership_view(channel, membership)}

    def list_channel_memberships(self, ChannelArn: str, ChimeBearer: str, Type: str | None = None,
                                 MaxResults: int | None = None, NextToken: str | None = None,
                                 SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel, _ = self._authorize(ChannelArn, ChimeBearer)
            # AWS: HIDDEN members are listed only when asked for with Type=HIDDEN.
            wanted = Type or "DEFAULT"
            items = sorted((m for m in channel.members.values()
                            if m.type == wanted and self._identity.get_user(m.member_arn) is not None),
                           key=lambda m: m.seq)
            page, token = paginate(items, key=lambda m: m.seq, max_results=MaxResults, next_token=NextToken,
                                   scope=f"ListChannelMemberships:{channel.arn}:{wanted}")
            return {"ChannelArn": channel.arn, "ChannelMemberships": [{"Member": self._who(m.member_arn)} for m in page],
                    "NextToken": token}

    def delete_channel_membership(self, ChannelArn: str, MemberArn: str, ChimeBearer: str,
                                  SubChannelId: str | None = None) -> None:
        with self.lock:
            no_sub_channel(SubChannelId)
            channel, roles = self._authorize(ChannelArn, ChimeBearer)
            if MemberArn != ChimeBearer:
                self._require_manager(roles, "remove other members")
            membership = channel.members.get(MemberArn)
            if membership is None:
                raise NotFoundException("The requested channel membership does not exist.")
            view = self._membership_view(channel, membership)
            recipients = [*self._members(channel)]
            del channel.members[MemberArn]
            self._publish(recipients, "DELETE_CHANNEL_MEMBERSHIP", "SYSTEM", view)

    # --- moderators --------------------------------------------------------------------------

    def create_channel_moderator(self, ChannelArn: str, ChannelModeratorArn: str, ChimeBearer: str) -> dict[str, Any]:
        with self.lock:
            channel, roles = self._authorize(ChannelArn, ChimeBearer)
            self._require_manager(roles, "add moderators")
            self._user_of(channel.app_instance_arn, ChannelModeratorArn)
            if ChannelModeratorArn not in channel.moderators:
                channel.moderators[ChannelModeratorArn] = Moderator(ChannelModeratorArn, ChimeBearer, utcnow(),
                                                                    next(self._seq))
            return {"ChannelArn": channel.arn, "ChannelModerator": self._who(ChannelModeratorArn)}

    def describe_channel_moderator(self, ChannelArn: str, ChannelModeratorArn: str, ChimeBearer: str) -> dict[str, Any]:
        with self.lock:
            channel, _ = self._authorize(ChannelArn, ChimeBearer)
            moderator = channel.moderators.get(ChannelModeratorArn)
            if moderator is None:
                raise NotFoundException("The requested channel moderator does not exist.")
            return {"ChannelModerator": {
                "Moderator": self._who(moderator.user_arn), "ChannelArn": channel.arn,
                "CreatedTimestamp": moderator.created, "CreatedBy": self._who(moderator.created_by),
            }}

    def list_channel_moderators(self, ChannelArn: str, ChimeBearer: str, MaxResults: int | None = None,
                                NextToken: str | None = None) -> dict[str, Any]:
        with self.lock:
            channel, _ = self._authorize(ChannelArn, ChimeBearer)
            items = sorted(channel.moderators.values(), key=lambda m: m.seq)
            page, token = paginate(items, key=lambda m: m.seq, max_results=MaxResults, next_token=NextToken,
                                   scope=f"ListChannelModerators:{channel.arn}")
            return {"ChannelArn": channel.arn,
                    "ChannelModerators": [{"Moderator": self._who(m.user_arn)} for m in page],
                    "NextToken": token}

    def delete_channel_moderator(self, ChannelArn: str, ChannelModeratorArn: str, ChimeBearer: str) -> None:
        with self.lock:
            channel, roles = self._authorize(ChannelArn, ChimeBearer)
            self._require_manager(roles, "remove moderators")
            if channel.moderators.pop(ChannelModeratorArn, None) is None:
                raise NotFoundException("The requested channel moderator does not exist.")
