"""The emulator's composition root: which package emulates which AWS service, and `build_emulator`, which wires one emulator.

The endpoint puts the emulator in front of moto: `emulator.is_emulated(environ)` says whether a
request is ours (Chime SDK identity/messaging/meetings/voice and End User Messaging SMS: always,
so an operation we lack answers 501 naming it; SES v2: the operations it implements). A service
package that does not exist yet simply leaves its operations unimplemented (501 NotImplemented).
"""
from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .chime_identity import IdentityBackend, IdentityViews
from .chime_meetings import ChimeMeetingsBackend, MeetingHooks, MeetingViews
from .chime_messaging import MessagingBackend, MessagingViews
from .chime_voice import CallSimulator, ChimeVoiceBackend
from .core import BackendRegistry, Dispatcher, EmulatedService, Setting
from .core.ownership import IDENTITY, MEETINGS, MESSAGING, VOICE
from .sesv2 import SesBackend
from .sms_voice_v2 import SmsNumbers, SmsVoiceBackend

if TYPE_CHECKING:
    from ..events import EventHub
    from ..outbox import Outbox

SMS = "pinpoint-sms-voice-v2"
SES = "sesv2"

SERVICES: tuple[EmulatedService, ...] = (
    EmulatedService(IDENTITY, "telehealth_local.emulator.chime_identity"),
    EmulatedService(MESSAGING, "telehealth_local.emulator.chime_messaging"),
    EmulatedService(MEETINGS, "telehealth_local.emulator.chime_meetings"),
    EmulatedService(VOICE, "telehealth_local.emulator.chime_voice"),
    EmulatedService(SMS, "telehealth_local.emulator.sms_voice_v2"),
    # moto has SES v2 too, but its mail never reaches the local outbox: ours answers what we use.
    EmulatedService(SES, "telehealth_local.emulator.sesv2", exclusive=False),
)


@dataclasses.dataclass(frozen=True, eq=False)
class Emulator:
    """One emulator: a WSGI app for every emulated AWS request, its state, and the views the rest of the stack reads."""

    dispatcher: Dispatcher
    session_endpoint: Setting[str | None]
    outbox: Outbox
    hub: EventHub
    calls: CallSimulator
    messaging: MessagingViews
    meetings: MeetingViews
    identity: IdentityViews
    sms: SmsNumbers

    @property
    def backends(self) -> Mapping[str, BackendRegistry]:
        """botocore service name -> the registry of its backends."""
        return self.dispatcher.backends

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        return self.dispatcher(environ, start_response)

    def is_emulated(self, environ: Mapping[str, Any]) -> bool:
        """True when the emulator (not moto) must answer this request; never consumes the body."""
        return self.dispatcher.is_emulated(environ)

    def set_session_endpoint(self, host_port: str | None) -> None:
        """The host:port GetMessagingSessionEndpoint returns (None: 503, no session server runs)."""
        self.session_endpoint.set(host_port)

    def reset(self) -> None:
        """Forget every emulated resource in every account and region, and every call."""
        self.dispatcher.reset()
        self.calls.reset()


def build_emulator(*, outbox: Outbox, hub: EventHub, session_endpoint: str | None = None,
                   media_endpoint: str | None = None) -> Emulator:
    """A fresh emulator whose SMS and e-mail land in `outbox` and whose channel events go out on `hub`.

    `session_endpoint` (host:port of the websocket session server) and `media_endpoint` (host:port
    of the media plane) may also be set later, once those servers listen.
    """
    identities: BackendRegistry[IdentityBackend] = BackendRegistry(IdentityBackend)
    endpoint: Setting[str | None] = Setting(session_endpoint)
    messaging = BackendRegistry(functools.partial(MessagingBackend, identities=identities, hub=hub,
                                                  session_endpoint=endpoint))
    hooks = MeetingHooks(media_endpoint)
    meetings = BackendRegistry(functools.partial(ChimeMeetingsBackend, hooks=hooks))
    meeting_views = MeetingViews(meetings, hooks)
    calls = CallSimulator(meeting_views)
    hooks.departures.add(calls.attendee_left)
    sms = BackendRegistry(functools.partial(SmsVoiceBackend, outbox=outbox))
    dispatcher = Dispatcher(SERVICES, {
        IDENTITY: identities,
        MESSAGING: messaging,
        MEETINGS: meetings,
        VOICE: BackendRegistry(functools.partial(ChimeVoiceBackend, calls=calls)),
        SMS: sms,
        SES: BackendRegistry(functools.partial(SesBackend, outbox=outbox)),
    })
    return Emulator(dispatcher=dispatcher, session_endpoint=endpoint, outbox=outbox, hub=hub, calls=calls,
                    messaging=MessagingViews(messaging, identities), meetings=meeting_views,
                    identity=IdentityViews(identities), sms=SmsNumbers(sms))
