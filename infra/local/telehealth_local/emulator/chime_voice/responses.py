"""Chime SDK voice operations mapped to the backend methods that answer them (glue, no logic)."""
from __future__ import annotations

from .models import ChimeVoiceBackend as BACKEND

OPERATIONS = {
    "CreateSipMediaApplication": "create_sip_media_application",
    "GetSipMediaApplication": "get_sip_media_application",
    "ListSipMediaApplications": "list_sip_media_applications",
    "UpdateSipMediaApplication": "update_sip_media_application",
    "DeleteSipMediaApplication": "delete_sip_media_application",
    "CreateSipMediaApplicationCall": "create_sip_media_application_call",
    "UpdateSipMediaApplicationCall": "update_sip_media_application_call",
    "ListPhoneNumbers": "list_phone_numbers",
    "GetPhoneNumber": "get_phone_number",
    "TagResource": "tag_resource",
    "UntagResource": "untag_resource",
    "ListTagsForResource": "list_tags_for_resource",
}
