"""The WSGI entry of the whole emulator and the registry of which package emulates which AWS service.

The endpoint puts this app in front of moto: `is_emulated_request(environ)` says whether a
request is ours (Chime SDK identity/messaging/meetings/voice and End User Messaging SMS: always,
so an operation we lack answers 501 naming it; SES v2: the operations it implements). A service
package that does not exist yet simply leaves its operations unimplemented (501 NotImplemented).
"""
from __future__ import annotations

import threading
from typing import Any, Mapping

from .core import EmulatedService, Emulator

SERVICES: tuple[EmulatedService, ...] = (
    EmulatedService("chime-sdk-identity", "telehealth_local.emulator.chime_identity"),
    EmulatedService("chime-sdk-messaging", "telehealth_local.emulator.chime_messaging"),
    EmulatedService("chime-sdk-meetings", "telehealth_local.emulator.chime_meetings"),
    EmulatedService("chime-sdk-voice", "telehealth_local.emulator.chime_voice"),
    EmulatedService("pinpoint-sms-voice-v2", "telehealth_local.emulator.sms_voice_v2"),
    # moto has SES v2 too, but its mail never reaches the local outbox: ours answers what we use.
    EmulatedService("sesv2", "telehealth_local.emulator.sesv2", exclusive=False),
)

_emulator: Emulator | None = None
_lock = threading.Lock()


def _shared() -> Emulator:
    """One Emulator per process: route tables are built once, state lives in the packages' registries."""
    global _emulator
    with _lock:
        if _emulator is None:
            _emulator = Emulator(SERVICES)
        return _emulator


def make_emulator_app() -> Emulator:
    """The WSGI callable answering every emulated AWS request."""
    return _shared()


def is_emulated_request(environ: Mapping[str, Any]) -> bool:
    """True when the emulator (not moto) must answer this request; never consumes the body."""
    return _shared().is_emulated(environ)


def reset_emulator_state() -> None:
    """Forget every emulated resource in every account and region, calls and faults (tests)."""
    _shared().reset()
    from .chime_voice import calls

    calls.reset()
