"""Emulated Amazon Pinpoint (apps, SMS channel, SendMessages into the SMS outbox) with a test fault switch."""
from .models import backends, clear_send_faults, fail_next_send_messages, faults

__all__ = ["backends", "clear_send_faults", "fail_next_send_messages", "faults"]
