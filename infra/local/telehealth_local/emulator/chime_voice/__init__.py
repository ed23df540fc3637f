"""Emulated Amazon Chime SDK voice (SIP media applications, phone numbers) and its PSTN call simulator."""
from .calls import CallInputError, CallNotFound, CallSimulator, CallStateError
from .models import LOCAL_PHONE_NUMBER, ChimeVoiceBackend

__all__ = ["CallInputError", "CallNotFound", "CallSimulator", "CallStateError", "ChimeVoiceBackend",
           "LOCAL_PHONE_NUMBER"]
