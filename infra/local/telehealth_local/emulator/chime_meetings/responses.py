"""Chime SDK meetings operations mapped to the backend methods that answer them (glue, no logic)."""
from __future__ import annotations

from .models import ChimeMeetingsBackend as BACKEND

OPERATIONS = {
    "CreateMeeting": "create_meeting",
    "CreateMeetingWithAttendees": "create_meeting_with_attendees",
    "GetMeeting": "get_meeting",
    "DeleteMeeting": "delete_meeting",
    "CreateAttendee": "create_attendee",
    "BatchCreateAttendee": "batch_create_attendee",
    "GetAttendee": "get_attendee",
    "ListAttendees": "list_attendees",
    "DeleteAttendee": "delete_attendee",
    "UpdateAttendeeCapabilities": "update_attendee_capabilities",
    "BatchUpdateAttendeeCapabilitiesExcept": "batch_update_attendee_capabilities_except",
    "TagResource": "tag_resource",
    "UntagResource": "untag_resource",
    "ListTagsForResource": "list_tags_for_resource",
}
