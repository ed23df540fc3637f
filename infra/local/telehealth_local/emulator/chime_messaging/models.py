"""State and rules of the emulated Chime SDK messaging service: channels, memberships, moderators, messages.

Who may do what (the caller is the `x-amz-chime-bearer` AppInstanceUser, which must exist
and belong to the channel's AppInstance, else ForbiddenException):
- read a channel (describe, list memberships/moderators, list/get messages): a member, a
  moderator or an AppInstanceAdmin; for PUBLIC channels also any user of the AppInstance
  (AWS: "Public channels: you do not need to be a member to list messages").
- send a message: a member, a moderator or an AppInstanceAdmin.
- add members: moderators and admins; in UNRESTRICTED channels members too; any user may
  add themselves to a PUBLIC UNRESTRICTED channel. Remove members: moderators and admins;
  a member may remove themselves (leave).
- update/delete the channel, add/remove moderators: moderators and admins.
- update a message: its sender; redact: its sender, a moderator or an admin; delete: a
  moderator or an admin (AWS: "Only admins can perform this action").
Member and moderator ARNs must be existing AppInstanceUsers of the same AppInstance
(NotFoundException otherwise). The channel creator becomes a moderator, not a member.
Defaults when omitted: Mode UNRESTRICTED, Privacy PUBLIC (the least restrictive, so code
that relies on a restrictive default fails here first; AWS does not document them).

Events (Chime frame format) go to the channel's members through the emulator's event hub;
moderators and admins receive nothing unless they are members (as on AWS).
"""
from __future__ import annotations

from typing import Any

from .channels import ChannelOperations
from .memberships import MembershipOperations
from .messages import MessageOperations
from .shapes import message_shape, summary, wire

__all__ = ["MessagingBackend"]


class MessagingBackend(ChannelOperations, MembershipOperations, MessageOperations):
    """Channels of one (account, region); every public method is one botocore operation (see the
    modules of its bases), plus the plain-Python reads the websocket session server needs."""

    def channels_of(self, user_arn: str) -> list[str]:
        with self.lock:
            return [c.arn for c in sorted(self._live_channels(), key=lambda c: c.seq) if user_arn in c.members]

    def members_of(self, channel_arn: str) -> list[str]:
        with self.lock:
            return self._members(self._channel(channel_arn))

    def details_for(self, user_arn: str, limit: int = 50) -> list[dict[str, Any]]:
        with self.lock:
            channels = [c for c in self._live_channels() if user_arn in c.members]
            channels.sort(key=lambda c: (c.last_message or c.created), reverse=True)
            details = []
            for channel in channels[:limit]:
                messages = sorted(channel.messages.values(), key=lambda m: m.seq, reverse=True)
                members = sorted(channel.members.values(), key=lambda m: m.seq)
                details.append(wire({
                    "Channel": summary(channel),
                    "ChannelMessages": [message_shape(m, summary=True) for m in messages[:20]],
                    "ChannelMemberships": [{"Member": self._who(m.member_arn)} for m in members[:30]],
                    "ChannelMessagesHasMore": len(messages) > 20,
                }))
            return details
