"""Emulated Amazon Chime SDK voice (SIP media applications, phone numbers) and its PSTN call simulator."""
from .call_state import CallInputError, CallNotFound, CallStateError
from .calls import CallSimulator
from .models import LOCAL_PHONE_NUMBER, ChimeVoiceBackend

__all__ = ["CallInputError", "CallNotFound", "CallSimulator", "CallStateError", "ChimeVoiceBackend",
           "LOCAL_PHONE_NUMBER"]
