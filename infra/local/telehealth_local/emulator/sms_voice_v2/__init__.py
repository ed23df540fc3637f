"""Emulated AWS End User Messaging SMS (pinpoint-sms-voice-v2): numbers, configuration sets, opt-out lists, SendTextMessage."""
from .models import SmsVoiceBackend
from .views import SmsNumbers, UnknownNumber

__all__ = ["SmsNumbers", "SmsVoiceBackend", "UnknownNumber"]
