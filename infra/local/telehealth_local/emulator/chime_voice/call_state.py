"""One simulated SIP media application call: its legs, status, what it said and sent, and the work queued for it."""
from __future__ import annotations

import copy
import dataclasses
import queue
import threading
import time
import uuid
from typing import Any

from .sma_schema import SCHEMA_VERSION


class CallNotFound(LookupError):
    """No call with that transaction id (the control API answers 404)."""


class CallStateError(RuntimeError):
    """The call's state does not allow this (e.g. answering a call that has ended; 409)."""


class CallInputError(ValueError):
    """The control request itself is malformed (e.g. digits other than 0-9 # *; 400)."""


class CallEnded(Exception):
    """Internal: the call ended while an event was being handled."""


@dataclasses.dataclass
class Leg:
    call_id: str
    tag: str
    to: str
    from_: str
    start_ms: int
    status: str | None = None  # None until the leg is answered (AWS omits Status while dialing)

    def to_event(self) -> dict[str, Any]:
        out = {"CallId": self.call_id, "ParticipantTag": self.tag, "To": self.to, "From": self.from_,
               "Direction": "Outbound", "StartTimeInMilliseconds": str(self.start_ms)}
        if self.status is not None:
            out["Status"] = self.status
        return out


def new_leg(tag: str, to: str, from_: str, status: str | None = None) -> Leg:
    return Leg(str(uuid.uuid4()), tag, to, from_, int(time.time() * 1000), status)


@dataclasses.dataclass
class Gather:
    """A SpeakAndGetDigits / PlayAudioAndGetDigits waiting for the callee's keys."""

    action: dict[str, Any]
    attempts_left: int


@dataclasses.dataclass
class Work:
    """Something that happens to a call (dial, answer, digits...), processed on the call's thread."""

    kind: str
    payload: Any = None
    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    error: Exception | None = None


@dataclasses.dataclass(eq=False)
class Call:
    """A call's state; `lock` guards what other threads read (snapshot) while the call's thread changes it."""

    transaction_id: str
    account_id: str
    region: str
    sip_media_application_id: str
    lambda_arn: str
    from_number: str
    to_number: str
    arguments: dict[str, str]
    sip_headers: dict[str, str]
    legs: list[Leg] = dataclasses.field(default_factory=list)
    status: str = "dialing"
    end_reason: str | None = None
    sequence: int = 0
    transaction_attributes: dict[str, str] | None = None
    spoken: list[str] = dataclasses.field(default_factory=list)
    events: list[str] = dataclasses.field(default_factory=list)
    event_log: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    remaining: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    last_action: dict[str, Any] | None = None
    gather: Gather | None = None
    receive_digits: dict[str, Any] | None = None
    meeting_id: str | None = None
    attendee_id: str | None = None
    queue: queue.Queue[Work | None] = dataclasses.field(default_factory=queue.Queue)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    finished: bool = False  # the worker has stopped: the call ended and nothing more is accepted

    def __post_init__(self) -> None:
        if not self.legs:
            self.legs = [new_leg("LEG-A", self.to_number, self.from_number)]

    def offer(self, work: Work) -> bool:
        """Queue `work` for the call's worker; False once the worker has stopped."""
        with self.lock:
            if self.finished:
                return False
            self.queue.put(work)
            return True

    @property
    def leg_a(self) -> Leg:
        return self.legs[0]

    def leg(self, call_id: str | None = None, tag: str | None = None) -> Leg | None:
        for leg in self.legs:
            if (call_id is not None and leg.call_id == call_id) or (call_id is None and leg.tag == tag):
                return leg
        return None

    def connected_leg(self, tag: str) -> Leg | None:
        leg = self.leg(tag=tag)
        return leg if leg is not None and leg.status == "Connected" else None

    def say(self, text: str) -> None:
        with self.lock:
            self.spoken.append(text)

    def set_status(self, status: str) -> None:
        with self.lock:
            if self.status != "ended":
                self.status = status

    def record_error(self, event_type: str, error_type: str, message: str) -> None:
        with self.lock:
            self.errors.append({"event": event_type, "error_type": error_type, "message": message})

    def new_event(self, event_type: str, action_data: dict | None, extra: dict | None) -> dict[str, Any]:
        """The next event for the handler (numbered, with the current participants), kept in the event log."""
        with self.lock:
            self.sequence += 1
            details: dict[str, Any] = {"TransactionId": self.transaction_id}
            if self.transaction_attributes:
                details["TransactionAttributes"] = dict(self.transaction_attributes)
            details.update({
                "AwsAccountId": self.account_id,
                "AwsRegion": self.region,
                "SipMediaApplicationId": self.sip_media_application_id,
                "Participants": [leg.to_event() for leg in self.legs],
            })
            event: dict[str, Any] = {"SchemaVersion": SCHEMA_VERSION, "Sequence": self.sequence,
                                     "InvocationEventType": event_type}
            if action_data is not None:
                event["ActionData"] = copy.deepcopy(action_data)
            event["CallDetails"] = details
            event.update(extra or {})
            self.events.append(event_type)
            self.event_log.append(copy.deepcopy(event))
            return event

    def snapshot(self, with_events: bool = False) -> dict[str, Any]:
        with self.lock:
            out: dict[str, Any] = {
                "transaction_id": self.transaction_id,
                "from": self.from_number,
                "to": self.to_number,
                "status": self.status,
                "spoken": list(self.spoken),
                "events": list(self.events),
                "sip_media_application_id": self.sip_media_application_id,
                "end_reason": self.end_reason,
                "errors": copy.deepcopy(self.errors),
                "meeting_id": self.meeting_id,
                "attendee_id": self.attendee_id,
                "awaiting_digits": self.gather is not None,
            }
            if with_events:
                out["event_log"] = copy.deepcopy(self.event_log)
            return out
