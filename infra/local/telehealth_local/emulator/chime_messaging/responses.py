"""Chime SDK messaging operations this package emulates, mapped to their backend methods (glue only)."""
from .models import MessagingBackend

OPERATIONS = {
    "CreateChannel": "create_channel",
    "DescribeChannel": "describe_channel",
    "UpdateChannel": "update_channel",
    "DeleteChannel": "delete_channel",
    "ListChannels": "list_channels",
    "CreateChannelMembership": "create_channel_membership",
    "BatchCreateChannelMembership": "batch_create_channel_membership",
    "DescribeChannelMembership": "describe_channel_membership",
    "ListChannelMemberships": "list_channel_memberships",
    "DeleteChannelMembership": "delete_channel_membership",
    "CreateChannelModerator": "create_channel_moderator",
    "DescribeChannelModerator": "describe_channel_moderator",
    "ListChannelModerators": "list_channel_moderators",
    "DeleteChannelModerator": "delete_channel_moderator",
    "ListChannelsModeratedByAppInstanceUser": "list_channels_moderated_by_app_instance_user",
    "ListChannelMembershipsForAppInstanceUser": "list_channel_memberships_for_app_instance_user",
    "DescribeChannelMembershipForAppInstanceUser": "describe_channel_membership_for_app_instance_user",
    "DescribeChannelModeratedByAppInstanceUser": "describe_channel_moderated_by_app_instance_user",
    "SendChannelMessage": "send_channel_message",
    "ListChannelMessages": "list_channel_messages",
    "GetChannelMessage": "get_channel_message",
    "UpdateChannelMessage": "update_channel_message",
    "RedactChannelMessage": "redact_channel_message",
    "DeleteChannelMessage": "delete_channel_message",
    "GetMessagingSessionEndpoint": "get_messaging_session_endpoint",
    "TagResource": "tag_resource",
    "UntagResource": "untag_resource",
    "ListTagsForResource": "list_tags_for_resource",
}

BACKEND = MessagingBackend

__all__ = ["BACKEND", "OPERATIONS"]
