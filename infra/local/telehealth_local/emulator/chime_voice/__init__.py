"""Emulated Amazon Chime SDK voice (SIP media applications, phone numbers) and its PSTN call simulator."""
from . import calls
from .models import LOCAL_PHONE_NUMBER, backends

__all__ = ["LOCAL_PHONE_NUMBER", "backends", "calls"]
