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

import dataclasses
import datetime as dt
import itertools
import json
import threading
import uuid
from typing import TYPE_CHECKING, Any, Iterable

from ..chime_identity import models as identity
from ..core.tagging import MAX_TAGS, ChimeTagging
from ..core import BackendRegistry, Setting, iso8601, not_emulated, paginate, utcnow
from .exceptions import (
    BadRequestException,
    ConflictException,
    ForbiddenException,
    NotFoundException,
    ServiceUnavailableException,
)

if TYPE_CHECKING:
    from ...events import EventHub

STANDARD_CONTENT_MAX_BYTES = 4096
CONTROL_CONTENT_MAX_BYTES = 30
METADATA_MAX_BYTES = 1024

# --- state -------------------------------------------------------------------------------

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


class MessagingBackend(ChimeTagging):
    """Channels of one (account, region); users and admins come from the identity backend.

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

    # --- identity lookups ---------------------------------------------------------------

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

    def _members(self, channel: Channel) -> list[str]:
        """Current members that still exist as users (the recipients of channel events)."""
        return [arn for arn in channel.members if self._identity.get_user(arn) is not None]

    def _publish(self, recipients: Iterable[str], event_type: str, message_type: str, payload: dict[str, Any]) -> None:
        self._hub.publish(list(recipients), make_frame(event_type, message_type, payload))

    # --- channels ------------------------------------------------------------------------

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
            _check_metadata(Metadata)
            arn = f"{AppInstanceArn}/channel/{ChannelId or uuid.uuid4().hex}"
            if arn in self.channels:
                raise ConflictException("A channel with this ChannelId already exists.")
            members = list(dict.fromkeys(MemberArns or []))
            moderators = list(dict.fromkeys([ChimeBearer, *(ModeratorArns or [])]))
            for user_arn in {*members, *moderators}:
                self._user_of(AppInstanceArn, user_arn)
            now = utcnow()
            channel = Channel(arn, AppInstanceArn, Name, Mode, Privacy, Metadata, ChimeBearer, now, now,
                              next(self._seq), expiration=ExpirationSettings, tags=_tag_dict(Tags))
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
            _check_metadata(Metadata)
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
            _no_sub_channel(SubChannelId)
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
            return {"Channels": [_summary(c) for c in page], "NextToken": token}

    # --- memberships ---------------------------------------------------------------------

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

    def create_channel_membership(self, ChannelArn: str, MemberArn: str, Type: str, ChimeBearer: str,
                                  SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            _no_sub_channel(SubChannelId)
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
            _no_sub_channel(SubChannelId)
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
            _no_sub_channel(SubChannelId)
            channel, _ = self._authorize(ChannelArn, ChimeBearer)
            membership = channel.members.get(MemberArn)
            if membership is None:
                raise NotFoundException("The requested channel membership does not exist.")
            return {"ChannelMembership": self._membership_view(channel, membership)}

    def list_channel_memberships(self, ChannelArn: str, ChimeBearer: str, Type: str | None = None,
                                 MaxResults: int | None = None, NextToken: str | None = None,
                                 SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            _no_sub_channel(SubChannelId)
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
            _no_sub_channel(SubChannelId)
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

    # --- moderators ----------------------------------------------------------------------

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

    # --- per-user views ------------------------------------------------------------------

    def _subject(self, bearer: str, user_arn: str | None) -> str:
        """Whose channels: the bearer's own, or (AppInstanceAdmins only) another user's of the same AppInstance."""
        caller = self._caller(bearer, None)
        target = user_arn or bearer
        if target != bearer:
            if identity.app_instance_of(target) != caller.app_instance_arn or \
                    not self._identity.is_admin(caller.app_instance_arn, bearer):
                raise ForbiddenException("Only an AppInstanceAdmin can act for another AppInstanceUser.")
        return target

    def list_channels_moderated_by_app_instance_user(self, ChimeBearer: str, AppInstanceUserArn: str | None = None,
                                                     MaxResults: int | None = None,
                                                     NextToken: str | None = None) -> dict[str, Any]:
        with self.lock:
            target = self._subject(ChimeBearer, AppInstanceUserArn)
            items = sorted((c for c in self._live_channels() if target in c.moderators), key=lambda c: c.seq)
            page, token = paginate(items, key=lambda c: c.seq, max_results=MaxResults, next_token=NextToken,
                                   scope=f"ListChannelsModeratedByAppInstanceUser:{target}")
            return {"Channels": [{"ChannelSummary": _summary(c)} for c in page], "NextToken": token}

    def list_channel_memberships_for_app_instance_user(self, ChimeBearer: str, AppInstanceUserArn: str | None = None,
                                                       MaxResults: int | None = None,
                                                       NextToken: str | None = None) -> dict[str, Any]:
        with self.lock:
            target = self._subject(ChimeBearer, AppInstanceUserArn)
            items = sorted((c for c in self._live_channels() if target in c.members), key=lambda c: c.seq)
            page, token = paginate(items, key=lambda c: c.seq, max_results=MaxResults, next_token=NextToken,
                                   scope=f"ListChannelMembershipsForAppInstanceUser:{target}")
            return {"ChannelMemberships": [self._membership_for_user(c, target) for c in page], "NextToken": token}

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
            return {"Channel": {"ChannelSummary": _summary(channel)}}

    def _live_channels(self) -> list[Channel]:
        return [c for c in self.channels.values()
                if self._identity.has_app_instance(c.app_instance_arn)]

    def _membership_for_user(self, channel: Channel, user_arn: str) -> dict[str, Any]:
        return {"ChannelSummary": _summary(channel),
                "AppInstanceUserMembershipSummary": {"Type": channel.members[user_arn].type}}

    # --- messages ------------------------------------------------------------------------

    def send_channel_message(self, ChannelArn: str, Content: str, Type: str, Persistence: str,
                             ClientRequestToken: str, ChimeBearer: str, Metadata: str | None = None,
                             PushNotification: dict[str, Any] | None = None,
                             MessageAttributes: dict[str, Any] | None = None, SubChannelId: str | None = None,
                             ContentType: str | None = None, Target: list[dict[str, Any]] | None = None
                             ) -> dict[str, Any]:
        with self.lock:
            _no_sub_channel(SubChannelId)
            if Target is not None:
                raise not_emulated("Targeted messages (Target)")
            channel, _ = self._authorize(ChannelArn, ChimeBearer)
            _check_content(Type, Content, Metadata)
            now = utcnow()
            message = Message(uuid.uuid4().hex, channel.arn, Content, Metadata, Type, Persistence, ChimeBearer,
                              self._name(ChimeBearer), now, now, next(self._seq), attributes=MessageAttributes,
                              content_type=ContentType)
            if Persistence == "PERSISTENT":
                channel.messages[message.message_id] = message
                channel.last_message = now
            self._publish(self._members(channel), "CREATE_CHANNEL_MESSAGE", Type, _message_payload(message))
            return {"ChannelArn": channel.arn, "MessageId": message.message_id, "Status": {"Value": "SENT"}}

    def list_channel_messages(self, ChannelArn: str, ChimeBearer: str, SortOrder: str = "DESCENDING",
                              NotBefore: dt.datetime | None = None, NotAfter: dt.datetime | None = None,
                              MaxResults: int | None = None, NextToken: str | None = None,
                              SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            _no_sub_channel(SubChannelId)
            channel, _ = self._authorize(ChannelArn, ChimeBearer, public_read=True)
            descending = SortOrder == "DESCENDING"
            items = [m for m in channel.messages.values()
                     if (NotBefore is None or m.created >= NotBefore) and (NotAfter is None or m.created <= NotAfter)]
            items.sort(key=lambda m: m.seq, reverse=descending)
            scope = f"ListChannelMessages:{channel.arn}:{SortOrder}:{NotBefore}:{NotAfter}"
            page, token = paginate(items, key=lambda m: m.seq, max_results=MaxResults, next_token=NextToken,
                                   scope=scope, descending=descending)
            return {"ChannelArn": channel.arn, "ChannelMessages": [self._message_view(m, summary=True) for m in page],
                    "NextToken": token}

    def _message(self, channel: Channel, message_id: str) -> Message:
        message = channel.messages.get(message_id)
        if message is None:
            raise NotFoundException("The requested channel message does not exist.")
        return message

    def get_channel_message(self, ChannelArn: str, MessageId: str, ChimeBearer: str,
                            SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            _no_sub_channel(SubChannelId)
            channel, _ = self._authorize(ChannelArn, ChimeBearer, public_read=True)
            return {"ChannelMessage": self._message_view(self._message(channel, MessageId))}

    def update_channel_message(self, ChannelArn: str, MessageId: str, Content: str, ChimeBearer: str,
                               Metadata: str | None = None, SubChannelId: str | None = None,
                               ContentType: str | None = None) -> dict[str, Any]:
        with self.lock:
            _no_sub_channel(SubChannelId)
            channel, _ = self._authorize(ChannelArn, ChimeBearer)
            message = self._message(channel, MessageId)
            if message.sender_arn != ChimeBearer:
                raise ForbiddenException("Only the sender can update a channel message.")
            if message.redacted:
                raise BadRequestException("A redacted message cannot be updated.")
            _check_content(message.type, Content, Metadata)
            now = utcnow()
            message.content = Content
            if Metadata is not None:
                message.metadata = Metadata
            if ContentType is not None:
                message.content_type = ContentType
            message.edited = message.updated = now
            self._publish(self._members(channel), "UPDATE_CHANNEL_MESSAGE", message.type, _message_payload(message))
            return {"ChannelArn": channel.arn, "MessageId": message.message_id, "Status": {"Value": "SENT"}}

    def redact_channel_message(self, ChannelArn: str, MessageId: str, ChimeBearer: str,
                               SubChannelId: str | None = None) -> dict[str, Any]:
        with self.lock:
            _no_sub_channel(SubChannelId)
            channel, roles = self._authorize(ChannelArn, ChimeBearer)
            message = self._message(channel, MessageId)
            if message.sender_arn != ChimeBearer and not roles.manager:
                raise ForbiddenException("Only the sender, channel moderators and AppInstanceAdmins can redact a message.")
            message.redacted = True
            message.content, message.metadata, message.attributes = "", None, None
            message.updated = utcnow()
            self._publish(self._members(channel), "REDACT_CHANNEL_MESSAGE", message.type, _message_payload(message))
            return {"ChannelArn": channel.arn, "MessageId": message.message_id}

    def delete_channel_message(self, ChannelArn: str, MessageId: str, ChimeBearer: str,
                               SubChannelId: str | None = None) -> None:
        with self.lock:
            _no_sub_channel(SubChannelId)
            channel, roles = self._authorize(ChannelArn, ChimeBearer)
            message = self._message(channel, MessageId)
            self._require_manager(roles, "delete channel messages")
            del channel.messages[message.message_id]
            payload = _message_payload(message)
            payload.pop("Content", None)
            payload.pop("Metadata", None)
            self._publish(self._members(channel), "DELETE_CHANNEL_MESSAGE", message.type, payload)

    def _message_view(self, message: Message, summary: bool = False) -> dict[str, Any]:
        view: dict[str, Any] = {
            "MessageId": message.message_id,
            "Content": None if message.redacted else message.content,
            "Metadata": message.metadata,
            "Type": message.type,
            "CreatedTimestamp": message.created,
            "LastUpdatedTimestamp": message.updated,
            "LastEditedTimestamp": message.edited,
            "Sender": {"Arn": message.sender_arn, "Name": message.sender_name},
            "Redacted": message.redacted,
            "Status": {"Value": "SENT"},
            "MessageAttributes": message.attributes,
            "ContentType": message.content_type,
        }
        if not summary:
            view["ChannelArn"] = message.channel_arn
            view["Persistence"] = message.persistence
        return view

    # --- views ---------------------------------------------------------------------------

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

    # --- endpoint and tags ---------------------------------------------------------------

    def get_messaging_session_endpoint(self, NetworkType: str | None = None) -> dict[str, Any]:
        url = self._session_endpoint.get()
        if url is None:
            raise ServiceUnavailableException("The local messaging session (websocket) server is not running.")
        return {"Endpoint": {"Url": url}}

    def _tags_of(self, arn: str) -> dict[str, str]:
        channel = self.channels.get(arn)
        if channel is None:
            raise NotFoundException("The requested resource does not exist.")
        return channel.tags

    def _too_many_tags(self, arn: str) -> BadRequestException:
        return BadRequestException(f"A resource can have at most {MAX_TAGS} tags.")

    # --- plain-Python views for the websocket session server -----------------------------

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
                details.append(_wire({
                    "Channel": _summary(channel),
                    "ChannelMessages": [self._message_view(m, summary=True) for m in messages[:20]],
                    "ChannelMemberships": [{"Member": self._who(m.member_arn)} for m in members[:30]],
                    "ChannelMessagesHasMore": len(messages) > 20,
                }))
            return details


def _summary(channel: Channel) -> dict[str, Any]:
    return {"Name": channel.name, "ChannelArn": channel.arn, "Mode": channel.mode, "Privacy": channel.privacy,
            "Metadata": channel.metadata, "LastMessageTimestamp": channel.last_message}


def _message_payload(message: Message) -> dict[str, Any]:
    """A ChannelMessage as the websocket Payload carries it (timestamps as ISO-8601 strings)."""
    payload = {
        "ChannelArn": message.channel_arn,
        "MessageId": message.message_id,
        "Content": None if message.redacted else message.content,
        "Metadata": message.metadata,
        "Type": message.type,
        "CreatedTimestamp": message.created,
        "LastUpdatedTimestamp": message.updated,
        "LastEditedTimestamp": message.edited,
        "Sender": {"Arn": message.sender_arn, "Name": message.sender_name},
        "Redacted": message.redacted,
        "Persistence": message.persistence,
        "MessageAttributes": message.attributes,
        "ContentType": message.content_type,
    }
    return payload


def _wire(value: Any) -> Any:
    """JSON-ready: datetimes as ISO-8601 strings, None members dropped."""
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    if isinstance(value, dt.datetime):
        return iso8601(value)
    return value


def make_frame(event_type: str, message_type: str, payload: dict[str, Any] | None) -> dict[str, Any]:
    """A frame in the Chime SDK messaging websocket format; Payload is JSON text, not an object."""
    return {
        "Headers": {"x-amz-chime-event-type": event_type, "x-amz-chime-message-type": message_type},
        "Payload": json.dumps(_wire(payload), separators=(",", ":")) if payload is not None else "",
    }


def _check_content(message_type: str, content: str, metadata: str | None) -> None:
    size = len(content.encode("utf-8"))
    if message_type == "CONTROL":
        if size > CONTROL_CONTENT_MAX_BYTES:
            raise BadRequestException(f"CONTROL message Content must be at most {CONTROL_CONTENT_MAX_BYTES} bytes.")
        if metadata is not None:
            raise BadRequestException("CONTROL messages cannot have Metadata.")
        return
    if size > STANDARD_CONTENT_MAX_BYTES:
        raise BadRequestException(f"Content must be at most {STANDARD_CONTENT_MAX_BYTES} bytes (UTF-8).")
    _check_metadata(metadata)


def _check_metadata(metadata: str | None) -> None:
    if metadata is not None and len(metadata.encode("utf-8")) > METADATA_MAX_BYTES:
        raise BadRequestException(f"Metadata must be at most {METADATA_MAX_BYTES} bytes (UTF-8).")


def _no_sub_channel(sub_channel_id: str | None) -> None:
    if sub_channel_id is not None:
        raise not_emulated("Elastic channels (SubChannelId)")


def _tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags or []}
