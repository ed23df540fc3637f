"""Writes the API's `meeting` event to the appointment's channel (the shared writer, re-exported)."""
from __future__ import annotations

from telehealth_shared.meeting_events import (meeting_event_content, meeting_event_metadata, post_meeting_event,
                                              user_arn)

__all__ = ["meeting_event_content", "meeting_event_metadata", "post_meeting_event", "user_arn"]
