"""Emulated AWS End User Messaging SMS (pinpoint-sms-voice-v2): numbers, configuration sets, opt-out lists, SendTextMessage."""
from .models import backends, receive_text, register_phone_number

__all__ = ["backends", "receive_text", "register_phone_number"]
