"""Pinpoint operations mapped to the backend methods that answer them (glue, no logic)."""
from __future__ import annotations

from .models import backends

OPERATIONS = {
    "CreateApp": "create_app",
    "GetApp": "get_app",
    "GetApps": "get_apps",
    "DeleteApp": "delete_app",
    "GetApplicationSettings": "get_application_settings",
    "UpdateApplicationSettings": "update_application_settings",
    "UpdateSmsChannel": "update_sms_channel",
    "GetSmsChannel": "get_sms_channel",
    "DeleteSmsChannel": "delete_sms_channel",
    "SendMessages": "send_messages",
    "TagResource": "tag_resource",
    "UntagResource": "untag_resource",
    "ListTagsForResource": "list_tags_for_resource",
}

__all__ = ["OPERATIONS", "backends"]
