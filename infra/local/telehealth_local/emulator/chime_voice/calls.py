"""Simulated PSTN calls of SIP media applications: real-shaped events to the handler Lambda, its actions carried out.

A call is created by CreateSipMediaApplicationCall and then driven by the outside world
through the control operations `answer`, `digits` and `hangup` (the local stack's phone),
and by UpdateSipMediaApplicationCall. Each call has its own worker thread: everything that
happens to one call is processed strictly in order, one Lambda invocation at a time, and the
HTTP threads that feed it only enqueue (and, for the control operations, wait at most
`wait_timeout` for the result).

Behaviour (see docs/local-stack.md for what is confirmed and what is chosen):
- Dial: NEW_OUTBOUND_CALL (ActionData CallCreateRequest with the ArgumentsMap) then RINGING;
  their responses are ignored, as on AWS. Status `ringing`.
- answer → CALL_ANSWERED; status `answered`; the returned actions run in order.
- An action list that completes gives one ACTION_SUCCESSFUL carrying the last action (AWS
  reports success once per list); the first action that fails gives ACTION_FAILED with
  ErrorType/ErrorMessage in ActionData and drops the rest of the list.
- Speak / SpeakAndGetDigits record their text in `spoken`; Pause completes at once (no real
  wait); SpeakAndGetDigits / PlayAudioAndGetDigits wait for `digits`; ReceiveDigits arms
  DIGITS_RECEIVED; JoinChimeMeeting joins the attendee holding the JoinToken through the
  meetings backend and adds the meeting leg LEG-B (status `joined`); Hangup on LEG-A ends
  the call (HANGUP event, response ignored), on LEG-B leaves the meeting.
- When the joined attendee stops existing (DeleteAttendee, DeleteMeeting: the meeting
  ended), the meeting leg drops: HANGUP for LEG-B, whose returned actions run (a handler
  typically hangs up LEG-A then). A dropped LEG-B stays listed as Disconnected.
- Other known actions fail with ACTION_FAILED SystemException (not emulated); a response
  that breaks the schema gets INVALID_LAMBDA_RESPONSE (ErrorType/ErrorMessage at the top
  level, as in the AWS example); a second invalid response in a row ends the call.
- A handler that raises (or times out) is recorded in `errors` and the call ends with no
  further events (what AWS sends then is not documented; it hangs up).
- hangup by the callee → HANGUP for LEG-A (SipResponseCode 0, or 486 while still ringing),
  then, if the call was in a meeting, the meeting leg is dropped with a HANGUP for LEG-B.
Statuses: dialing → ringing → answered ⇄ joined → ended.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import logging
import queue
import re
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable

from ...lambdas import LambdaInvocationError, LambdaInvoker

if TYPE_CHECKING:
    from ..chime_meetings.views import MeetingViews

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1.0"
MAX_ACTIONS = 10
MAX_TRANSACTION_ATTRIBUTES = 10
MAX_INVOCATIONS = 1000  # AWS's documented limit per call
DEFAULT_INVOCATION_TIMEOUT = 20.0  # AWS hangs up when the function takes longer
DEFAULT_WAIT_TIMEOUT = 30.0
DIGITS = re.compile(r"[0-9#*]*")

# Every action type the PSTN audio service knows; the emulated ones have handlers below.
KNOWN_ACTIONS = frozenset({
    "CallAndBridge", "Hangup", "JoinChimeMeeting", "ModifyChimeMeetingAttendees", "Pause",
    "PauseCallRecording", "PlayAudio", "PlayAudioAndGetDigits", "ReceiveDigits", "RecordAudio",
    "ResumeCallRecording", "SendDigits", "Speak", "SpeakAndGetDigits", "StartBotConversation",
    "StartCallRecording", "StopCallRecording", "VoiceFocus", "StartVoiceToneAnalysis",
    "StopVoiceToneAnalysis", "StartSpeakerSearchTask", "StopSpeakerSearchTask",
})
GATHER_ACTIONS = frozenset({"SpeakAndGetDigits", "PlayAudioAndGetDigits"})
# Events whose responses AWS ignores.
IGNORED_RESPONSES = frozenset({"NEW_OUTBOUND_CALL", "RINGING", "ACTION_INTERRUPTED", "HANGUP"})


class CallNotFound(LookupError):
    """No call with that transaction id (the control API answers 404)."""


class CallStateError(RuntimeError):
    """The call's state does not allow this (e.g. answering a call that has ended; 409)."""


class CallInputError(ValueError):
    """The control request itself is malformed (e.g. digits other than 0-9 # *; 400)."""


class ActionFailed(Exception):
    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type
        self.message = message


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


@dataclasses.dataclass
class Gather:
    """A SpeakAndGetDigits / PlayAudioAndGetDigits waiting for the callee's keys."""

    action: dict[str, Any]
    attempts_left: int


@dataclasses.dataclass
class Work:
    kind: str
    payload: Any = None
    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    error: Exception | None = None


class Call:
    def __init__(self, transaction_id: str, account_id: str, region: str, sip_media_application_id: str,
                 lambda_arn: str, from_number: str, to_number: str, arguments: dict[str, str],
                 sip_headers: dict[str, str]):
        self.transaction_id = transaction_id
        self.account_id = account_id
        self.region = region
        self.sip_media_application_id = sip_media_application_id
        self.lambda_arn = lambda_arn
        self.from_number = from_number
        self.to_number = to_number
        self.arguments = arguments
        self.sip_headers = sip_headers
        self.legs = [Leg(str(uuid.uuid4()), "LEG-A", to_number, from_number, int(time.time() * 1000))]
        self.status = "dialing"
        self.end_reason: str | None = None
        self.sequence = 0
        self.transaction_attributes: dict[str, str] | None = None
        self.spoken: list[str] = []
        self.events: list[str] = []
        self.event_log: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.remaining: list[dict[str, Any]] = []
        self.last_action: dict[str, Any] | None = None
        self.gather: Gather | None = None
        self.receive_digits: dict[str, Any] | None = None
        self.meeting_id: str | None = None
        self.attendee_id: str | None = None
        self.queue: queue.Queue[Work | None] = queue.Queue()
        self.lock = threading.Lock()
        self.finished = False  # the worker has stopped: the call ended and nothing more is accepted

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


def _duration(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool) and value >= 0) or (
        isinstance(value, str) and value.isdigit())


def _int(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not _duration(value):
        raise ActionFailed("InvalidActionParameter", "A numeric parameter value is invalid.")
    return int(value)


def validate_response(response: Any) -> tuple[str, str] | None:
    """(ErrorType, ErrorMessage) when the handler's response breaks the SMA response schema, else None."""
    if not isinstance(response, dict):
        return "InvalidResponse", "The Lambda response is not a JSON object."
    try:
        json.dumps(response)
    except (TypeError, ValueError):
        return "InvalidResponse", "The Lambda response is not JSON."
    if response.get("SchemaVersion") != SCHEMA_VERSION:
        return ("InvalidSchemaVersion",
                "The schema version in the invocation request does not match the schema version in the response.")
    actions = response.get("Actions")
    if actions is not None:
        if not isinstance(actions, list):
            return "InvalidActionList", "Error while reading actions list."
        if len(actions) > MAX_ACTIONS:
            return "InvalidActionList", f"Too many actions. Maximum number of actions is {MAX_ACTIONS}"
        for action in actions:
            if not isinstance(action, dict) or not isinstance(action.get("Type"), str):
                return "InvalidActionList", "Error while reading actions list."
            if action["Type"] not in KNOWN_ACTIONS:
                return "UnsupportedAction", f"Unsupported action {action['Type']}."
            if action.get("Parameters") is not None and not isinstance(action["Parameters"], dict):
                return "InvalidActionList", "Error while reading actions list."
    attributes = response.get("TransactionAttributes")
    if attributes is not None:
        if not isinstance(attributes, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()):
            return "TransactionAttributesInvalidMap", "Transaction Attributes must map strings to strings."
        if len(attributes) > MAX_TRANSACTION_ATTRIBUTES:
            return ("TransactionAttributesInvalidMapSize",
                    f"Transaction Attributes has too many mappings. Maximum number of mappings is {MAX_TRANSACTION_ATTRIBUTES}")
    return None


class _Ended(Exception):
    """Internal: the call ended while an event was being handled."""


class CallSimulator:
    """The calls of one emulator; `meetings` is how a JoinChimeMeeting reaches the meetings backends."""

    def __init__(self, meetings: MeetingViews) -> None:
        self._meetings = meetings
        self.invoker: LambdaInvoker | None = None
        self.invocation_timeout = DEFAULT_INVOCATION_TIMEOUT
        self.wait_timeout = DEFAULT_WAIT_TIMEOUT
        self._calls: dict[str, Call] = {}
        self._lock = threading.Lock()

    # --- set-up --------------------------------------------------------------------------

    def configure(self, invoker: LambdaInvoker | None = None, *, invocation_timeout: float | None = None,
                  wait_timeout: float | None = None) -> None:
        if invoker is not None:
            self.invoker = invoker
        if invocation_timeout is not None:
            self.invocation_timeout = invocation_timeout
        if wait_timeout is not None:
            self.wait_timeout = wait_timeout

    @property
    def configured(self) -> bool:
        return self.invoker is not None

    def reset(self) -> None:
        """Forget every call (tests); calls still running are told to stop."""
        with self._lock:
            calls, self._calls = list(self._calls.values()), {}
        for call in calls:
            call.queue.put(None)

    # --- what the voice backend calls ----------------------------------------------------

    def start_call(self, *, account_id: str, region: str, sip_media_application_id: str, lambda_arn: str,
                   from_number: str, to_number: str, arguments: dict[str, str], sip_headers: dict[str, str]) -> str:
        """Start dialing; returns the TransactionId at once (the events go out on the call's thread)."""
        transaction_id = str(uuid.uuid4())
        call = Call(transaction_id, account_id, region, sip_media_application_id, lambda_arn, from_number,
                    to_number, arguments, sip_headers)
        with self._lock:
            self._calls[transaction_id] = call
        call.queue.put(Work("dial"))
        threading.Thread(target=self._run, args=(call,), name=f"sma-call-{transaction_id[:8]}", daemon=True).start()
        return transaction_id

    def request_update(self, account_id: str, region: str, sip_media_application_id: str, transaction_id: str,
                       arguments: dict[str, str]) -> None:
        """UpdateSipMediaApplicationCall: queue a CALL_UPDATE_REQUESTED (does not wait for it)."""
        call = self._call(transaction_id)
        if (call.account_id, call.region, call.sip_media_application_id) != (account_id, region, sip_media_application_id):
            raise CallNotFound(transaction_id)
        if call.status == "ended" or not call.offer(Work("update", dict(arguments))):
            raise CallStateError("The call has ended.")

    def attendee_left(self, account_id: str, region: str, meeting_id: str, attendee_id: str) -> None:
        """Meetings backend listener: an attendee was deleted; a call joined with it loses LEG-B."""
        with self._lock:
            calls = list(self._calls.values())
        for call in calls:
            if (call.status == "joined" and (call.account_id, call.region) == (account_id, region)
                    and (call.meeting_id or "").lower() == meeting_id.lower() and call.attendee_id == attendee_id):
                call.offer(Work("meeting_left", attendee_id))

    # --- the control API (the callee's phone) --------------------------------------------

    def list_calls(self) -> list[dict[str, Any]]:
        with self._lock:
            calls = list(self._calls.values())
        return [call.snapshot() for call in calls]

    def get_call(self, transaction_id: str, with_events: bool = False) -> dict[str, Any]:
        """One call's state; `with_events` adds `event_log`, the full events sent to the handler."""
        return self._call(transaction_id).snapshot(with_events=with_events)

    def answer(self, transaction_id: str, wait: bool = True) -> dict[str, Any]:
        return self._submit(transaction_id, Work("answer"), wait)

    def digits(self, transaction_id: str, digits: str, wait: bool = True) -> dict[str, Any]:
        if not isinstance(digits, str) or not digits or not DIGITS.fullmatch(digits):
            raise CallInputError("digits must be one or more of 0-9, # and *.")
        return self._submit(transaction_id, Work("digits", digits), wait)

    def hangup(self, transaction_id: str, wait: bool = True) -> dict[str, Any]:
        return self._submit(transaction_id, Work("hangup"), wait)

    def wait_idle(self, transaction_id: str, timeout: float | None = None) -> dict[str, Any]:
        """Wait until everything queued for the call so far has been processed; its state then."""
        return self._submit(transaction_id, Work("sync"), True, timeout)

    def _call(self, transaction_id: str) -> Call:
        with self._lock:
            call = self._calls.get(transaction_id)
        if call is None:
            raise CallNotFound(transaction_id)
        return call

    def _submit(self, transaction_id: str, work: Work, wait: bool, timeout: float | None = None) -> dict[str, Any]:
        call = self._call(transaction_id)
        if call.status == "ended" and work.kind != "sync":
            raise CallStateError("The call has ended.")
        if not call.offer(work):
            if work.kind == "sync":
                return call.snapshot()
            raise CallStateError("The call has ended.")
        if wait and work.done.wait(self.wait_timeout if timeout is None else timeout) and work.error is not None:
            raise work.error
        return call.snapshot()

    # --- the call's worker ---------------------------------------------------------------

    def _run(self, call: Call) -> None:
        handlers: dict[str, Callable[[Call, Work], None]] = {
            "dial": self._on_dial, "answer": self._on_answer, "digits": self._on_digits,
            "hangup": self._on_hangup, "update": self._on_update, "meeting_left": self._on_meeting_left,
            "sync": lambda c, w: None,
        }
        while True:
            work = call.queue.get()
            if work is None:
                return
            try:
                if call.status == "ended" and work.kind != "sync":
                    raise CallStateError("The call has ended.")
                handlers[work.kind](call, work)
            except (CallStateError, CallInputError) as exc:
                work.error = exc
            except _Ended:
                # Not a failure to report: the call ended mid-way (its cause is already in
                # call.errors / end_reason), so the rest of this work item is moot.
                work.error = None
            except Exception as exc:  # a simulator bug: end the call, tell the waiter, keep the trace
                log.exception("call %s: simulator failed on %s", call.transaction_id, work.kind)
                self._record_error(call, work.kind, type(exc).__name__, "The call simulator failed.")
                self._end(call, "simulator_error")
                work.error = exc
            finally:
                work.done.set()
            if call.status == "ended":
                self._stop(call)
                return

    def _stop(self, call: Call) -> None:
        """An ended call needs no thread: refuse what is still queued and let the worker go."""
        leftovers: list[Work | None] = []
        with call.lock:
            call.finished = True
            while True:
                try:
                    leftovers.append(call.queue.get_nowait())
                except queue.Empty:
                    break
        for work in leftovers:
            if work is None:
                continue
            if work.kind != "sync":
                work.error = CallStateError("The call has ended.")
            work.done.set()

    def _on_dial(self, call: Call, work: Work) -> None:
        self._invoke(call, "NEW_OUTBOUND_CALL",
                     {"Type": "CallCreateRequest", "Parameters": {"Arguments": dict(call.arguments)}})
        self._set_status(call, "ringing")
        self._invoke(call, "RINGING")

    def _on_answer(self, call: Call, work: Work) -> None:
        if call.status != "ringing":
            raise CallStateError(f"Only a ringing call can be answered (this one is {call.status}).")
        with call.lock:
            call.leg_a.status = "Connected"
            call.status = "answered"
        self._drive(call, ("CALL_ANSWERED", None, None))

    def _on_digits(self, call: Call, work: Work) -> None:
        if call.status not in ("answered", "joined"):
            raise CallStateError(f"Digits need an answered call (this one is {call.status}).")
        digits: str = work.payload
        if call.gather is None:
            # Outside a gather action AWS only reports keys after a ReceiveDigits action;
            # the simulator always reports them, with that action's data when there is one.
            action = copy.deepcopy(call.receive_digits) or {
                "Type": "ReceiveDigits", "Parameters": {"CallId": call.leg_a.call_id}}
            action["ReceivedDigits"] = digits
            self._drive(call, ("DIGITS_RECEIVED", action, None))
            return
        self._drive(call, self._gathered(call, digits))

    def _on_hangup(self, call: Call, work: Work) -> None:
        code = 486 if call.status in ("dialing", "ringing") else 0
        self._hang_up(call, code, "callee_hangup")

    def _on_meeting_left(self, call: Call, work: Work) -> None:
        leg_b = call.connected_leg("LEG-B")
        if call.status != "joined" or call.attendee_id != work.payload or leg_b is None:
            return  # already left (hung up, or the handler dropped the leg itself)
        self._leave_meeting(call)
        self._drive(call, ("HANGUP", {"Type": "Hangup", "Parameters": {
            "SipResponseCode": 0, "CallId": leg_b.call_id, "ParticipantTag": "LEG-B"}}, None), run_hangup_response=True)

    def _on_update(self, call: Call, work: Work) -> None:
        self._drive(call, ("CALL_UPDATE_REQUESTED",
                           {"Type": "CallUpdateRequest", "Parameters": {"Arguments": work.payload}}, None))

    # --- events --------------------------------------------------------------------------

    def _drive(self, call: Call, first: tuple[str, dict | None, dict | None] | None,
               run_hangup_response: bool = False) -> None:
        """Send `first` and every event it leads to, until the call waits for the outside world.

        `run_hangup_response`: a HANGUP of one leg of a two-leg call, whose actions AWS runs.
        """
        pending = first
        invalid_before = False
        while pending is not None and call.status != "ended":
            event_type, action_data, extra = pending
            response = self._invoke(call, event_type, action_data, extra)
            if event_type in IGNORED_RESPONSES and not (event_type == "HANGUP" and run_hangup_response):
                return
            problem = validate_response(response)
            if problem is not None:
                self._record_error(call, event_type, *problem)
                if invalid_before:
                    # A handler that cannot answer INVALID_LAMBDA_RESPONSE validly would loop forever.
                    self._hang_up(call, 0, "invalid_response", by_application=True)
                    return
                invalid_before = True
                pending = ("INVALID_LAMBDA_RESPONSE", None, {"ErrorType": problem[0], "ErrorMessage": problem[1]})
                continue
            invalid_before = False
            pending = self._apply_response(call, response)

    def _apply_response(self, call: Call, response: dict[str, Any]) -> tuple[str, dict | None, dict | None] | None:
        attributes = response.get("TransactionAttributes")
        if attributes is not None:
            with call.lock:
                # A new map replaces the old one; {} clears it; an omitted one keeps it.
                call.transaction_attributes = dict(attributes) or None
        actions = response.get("Actions")
        if not actions:
            # A null or empty action set keeps whatever is still running (a pending gather).
            return None
        if call.gather is not None:
            interrupted = call.gather.action
            call.gather = None
            call.remaining = []
            self._invoke(call, "ACTION_INTERRUPTED", copy.deepcopy(interrupted))
            if call.status == "ended":
                return None
        call.remaining = [copy.deepcopy(a) for a in actions]
        call.last_action = None
        return self._run_actions(call)

    def _run_actions(self, call: Call) -> tuple[str, dict | None, dict | None] | None:
        """Carry out the queued actions; the event to send next, or None to wait."""
        while call.remaining:
            action = call.remaining.pop(0)
            action.setdefault("Parameters", {})
            try:
                outcome = self._perform(call, action)
            except ActionFailed as failure:
                call.remaining = []
                data = {**action, "ErrorType": failure.error_type, "ErrorMessage": failure.message}
                return "ACTION_FAILED", data, None
            if call.status == "ended" or outcome == "wait":
                return None
            call.last_action = action
        if call.last_action is None:
            return None
        done, call.last_action = call.last_action, None
        return "ACTION_SUCCESSFUL", done, None

    def _gathered(self, call: Call, digits: str) -> tuple[str, dict | None, dict | None] | None:
        gather = call.gather
        if gather is None:
            return None
        params = gather.action["Parameters"]
        terminators = params.get("TerminatorDigits") or ["#"]
        received = digits
        for index, key in enumerate(digits):
            if key in terminators:
                received = digits[:index]
                break
        maximum = _int(params.get("MaxNumberOfDigits"), 128)
        received = received[:maximum]
        minimum = _int(params.get("MinNumberOfDigits"), 1)
        pattern = params.get("InputDigitsRegex")
        valid = len(received) >= minimum and (pattern is None or re.search(pattern, received) is not None)
        if valid:
            call.gather = None
            call.last_action = {**gather.action, "ReceivedDigits": received}
            return self._run_actions(call)
        gather.attempts_left -= 1
        failure_text = (params.get("FailureSpeechParameters") or {}).get("Text")
        if failure_text:
            self._say(call, failure_text)
        if gather.attempts_left > 0:
            # AWS plays the failure prompt, then the main prompt again, until Repeat runs out.
            main_text = (params.get("SpeechParameters") or {}).get("Text")
            if main_text:
                self._say(call, main_text)
            return None
        call.gather = None
        call.remaining = []
        data = {**gather.action, "ReceivedDigits": received, "ErrorType": "InvalidDigitsReceived",
                "ErrorMessage": "The digits received do not match the requested input."}
        return "ACTION_FAILED", data, None

    # --- actions -------------------------------------------------------------------------

    def _target_leg(self, call: Call, params: dict[str, Any], require_call_id: bool = False) -> Leg:
        call_id = params.get("CallId")
        tag = params.get("ParticipantTag")
        if call_id is None:
            if require_call_id:
                raise ActionFailed("InvalidActionParameter", "CallId parameter is required.")
            tag = tag or "LEG-A"
        leg = call.leg(call_id=call_id) if call_id is not None else call.leg(tag=tag)
        if leg is None or leg.status != "Connected":
            raise ActionFailed("InvalidActionParameter", "CallId or ParticipantTag does not name a connected participant.")
        return leg

    def _perform(self, call: Call, action: dict[str, Any]) -> str:
        """Run one action; "done" to go on with the list, "wait" when it waits for the callee."""
        kind = action["Type"]
        params = action["Parameters"]
        if kind == "Speak":
            self._target_leg(call, params)
            text = params.get("Text")
            if not isinstance(text, str) or not text:
                raise ActionFailed("InvalidActionParameter", "Text parameter is required.")
            self._say(call, text)
            return "done"
        if kind == "Pause":
            self._target_leg(call, params)
            if not _duration(params.get("DurationInMilliseconds")):
                raise ActionFailed("InvalidActionParameter", "DurationInMilliseconds parameter value is invalid.")
            return "done"
        if kind in GATHER_ACTIONS:
            return self._start_gather(call, action)
        if kind == "ReceiveDigits":
            self._target_leg(call, params)
            if not isinstance(params.get("InputDigitsRegex"), str):
                raise ActionFailed("InvalidActionParameter", "InputDigitsRegex parameter is required.")
            call.receive_digits = copy.deepcopy(action)
            return "done"
        if kind == "JoinChimeMeeting":
            self._join_meeting(call, params)
            return "done"
        if kind == "Hangup":
            return self._hangup_action(call, params)
        raise ActionFailed("SystemException", f"{kind} is not emulated by the local stack.")

    def _start_gather(self, call: Call, action: dict[str, Any]) -> str:
        params = action["Parameters"]
        if action["Type"] == "SpeakAndGetDigits":
            self._target_leg(call, params, require_call_id=True)
            text = (params.get("SpeechParameters") or {}).get("Text")
            if not isinstance(text, str) or not text:
                raise ActionFailed("InvalidActionParameter", "SpeechParameters.Text parameter is required.")
        else:
            self._target_leg(call, params)
            if not isinstance(params.get("AudioSource"), dict):
                raise ActionFailed("InvalidAudioSource", "Audio Source parameter value is invalid.")
            text = None
        pattern = params.get("InputDigitsRegex")
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, TypeError):
                raise ActionFailed("InvalidActionParameter", "InputDigitsRegex parameter value is invalid.") from None
        attempts = max(1, _int(params.get("Repeat"), 1))
        for name in ("MinNumberOfDigits", "MaxNumberOfDigits"):
            _int(params.get(name), 0)
        if text:
            self._say(call, text)
        call.gather = Gather(copy.deepcopy(action), attempts)
        return "wait"

    def _join_meeting(self, call: Call, params: dict[str, Any]) -> None:
        self._target_leg(call, params)
        if call.connected_leg("LEG-B") is not None:
            raise ActionFailed("InvalidActionParameter", "The call is already bridged.")
        token, meeting_id = params.get("JoinToken"), params.get("MeetingId")
        if not isinstance(token, str) or not token:
            raise ActionFailed("InvalidActionParameter", "JoinToken parameter value is invalid.")
        if not isinstance(meeting_id, str) or not meeting_id:
            raise ActionFailed("InvalidActionParameter", "MeetingId parameter value is invalid.")
        attendee = self._meetings.connect_attendee(call.account_id, call.region, meeting_id, token, via="phone")
        if attendee is None:
            raise ActionFailed("InvalidActionParameter", "JoinToken parameter value is invalid.")
        with call.lock:
            call.meeting_id = meeting_id
            call.attendee_id = attendee["AttendeeId"]
            call.legs = [leg for leg in call.legs if leg.tag != "LEG-B"]
            call.legs.append(Leg(str(uuid.uuid4()), "LEG-B", call.to_number, call.from_number,
                                 int(time.time() * 1000), "Connected"))
            call.status = "joined"

    def _hangup_action(self, call: Call, params: dict[str, Any]) -> str:
        code = params.get("SipResponseCode", "0")
        if not isinstance(code, str) or not code.isdigit():
            raise ActionFailed("InvalidActionParameter", "SipResponseCode parameter value is invalid.")
        leg = self._target_leg(call, params)
        if leg.tag == "LEG-B":
            # The meeting leg leaves; the caller stays (AWS then reports ACTION_SUCCESSFUL).
            self._leave_meeting(call)
            return "done"
        self._hang_up(call, int(code), "application_hangup", by_application=True)
        return "done"

    # --- ending --------------------------------------------------------------------------

    def _hang_up(self, call: Call, code: int, reason: str, by_application: bool = False) -> None:
        """LEG-A is gone: HANGUP for it, then the meeting leg (if any) is dropped; the call ends."""
        leg_a = call.leg_a
        was_connected = leg_a.status == "Connected"
        with call.lock:
            leg_a.status = "Disconnected"
            call.gather = None
            call.remaining = []
        if was_connected or not by_application:
            self._invoke(call, "HANGUP", {"Type": "Hangup", "Parameters": {
                "SipResponseCode": code, "CallId": leg_a.call_id, "ParticipantTag": "LEG-A"}}, allow_ended=True)
        leg_b = call.connected_leg("LEG-B")
        if leg_b is not None:
            self._leave_meeting(call)
            self._invoke(call, "HANGUP", {"Type": "Hangup", "Parameters": {
                "SipResponseCode": 0, "CallId": leg_b.call_id, "ParticipantTag": "LEG-B"}}, allow_ended=True)
        self._end(call, reason)

    def _leave_meeting(self, call: Call) -> None:
        """The meeting leg is gone: the attendee is no longer connected, LEG-B is Disconnected."""
        if call.meeting_id and call.attendee_id:
            # False when the attendee was deleted already (that is often why the leg dropped).
            self._meetings.disconnect_attendee(call.account_id, call.region, call.meeting_id, call.attendee_id)
        with call.lock:
            leg_b = call.connected_leg("LEG-B")
            if leg_b is not None:
                leg_b.status = "Disconnected"
            if call.status == "joined":
                call.status = "answered"

    def _end(self, call: Call, reason: str) -> None:
        if call.status == "ended":
            return
        if call.connected_leg("LEG-B") is not None:
            self._leave_meeting(call)
        with call.lock:
            for leg in call.legs:
                if leg.status is not None:
                    leg.status = "Disconnected"
            call.status = "ended"
            call.end_reason = reason
            call.gather = None
            call.remaining = []
        log.info("call %s ended (%s)", call.transaction_id, reason)

    # --- plumbing ------------------------------------------------------------------------

    def _say(self, call: Call, text: str) -> None:
        with call.lock:
            call.spoken.append(text)

    def _set_status(self, call: Call, status: str) -> None:
        with call.lock:
            if call.status != "ended":
                call.status = status

    def _record_error(self, call: Call, event_type: str, error_type: str, message: str) -> None:
        with call.lock:
            call.errors.append({"event": event_type, "error_type": error_type, "message": message})

    def _event(self, call: Call, event_type: str, action_data: dict | None, extra: dict | None) -> dict[str, Any]:
        with call.lock:
            call.sequence += 1
            details: dict[str, Any] = {"TransactionId": call.transaction_id}
            if call.transaction_attributes:
                details["TransactionAttributes"] = dict(call.transaction_attributes)
            details.update({
                "AwsAccountId": call.account_id,
                "AwsRegion": call.region,
                "SipMediaApplicationId": call.sip_media_application_id,
                "Participants": [leg.to_event() for leg in call.legs],
            })
            event: dict[str, Any] = {"SchemaVersion": SCHEMA_VERSION, "Sequence": call.sequence,
                                     "InvocationEventType": event_type}
            if action_data is not None:
                event["ActionData"] = copy.deepcopy(action_data)
            event["CallDetails"] = details
            event.update(extra or {})
            call.events.append(event_type)
            call.event_log.append(copy.deepcopy(event))
            return event

    def _invoke(self, call: Call, event_type: str, action_data: dict | None = None, extra: dict | None = None,
                allow_ended: bool = False) -> Any:
        """Send one event to the handler and return its response; a failed handler ends the call."""
        if call.status == "ended" and not allow_ended:
            raise _Ended()
        if call.sequence >= MAX_INVOCATIONS:
            self._record_error(call, event_type, "InvocationLimitExceeded",
                               f"A call can invoke its Lambda function at most {MAX_INVOCATIONS} times.")
            self._end(call, "invocation_limit")
            raise _Ended()
        event = self._event(call, event_type, action_data, extra)
        invoker = self.invoker
        if invoker is None:
            self._record_error(call, event_type, "NoInvoker", "No Lambda invoker is configured.")
            self._end(call, "handler_error")
            raise _Ended()
        # Through JSON both ways, as Lambda would: the handler cannot share objects with us.
        payload = json.loads(json.dumps(event))
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["result"] = invoker.invoke(call.lambda_arn, payload)
            except BaseException as exc:  # handed to the call's thread below
                box["error"] = exc

        worker = threading.Thread(target=target, name=f"sma-invoke-{call.transaction_id[:8]}", daemon=True)
        worker.start()
        worker.join(self.invocation_timeout)
        if worker.is_alive():
            failure = ("Timeout", f"The Lambda function did not answer within {self.invocation_timeout:g} seconds.")
        elif "error" in box:
            error = box["error"]
            if isinstance(error, LambdaInvocationError):
                failure = (error.error_type, error.message)
            else:
                # The invoker itself broke (worker process gone…): same effect as a failed function.
                log.error("call %s: invoking the handler failed: %s", call.transaction_id, type(error).__name__)
                failure = (type(error).__name__, "The Lambda function could not be invoked.")
        else:
            return box.get("result")
        self._record_error(call, event_type, *failure)
        log.info("call %s: handler failed on %s (%s)", call.transaction_id, event_type, failure[0])
        if allow_ended:
            # Already hanging up: the caller finishes ending the call with its own reason.
            return None
        self._end(call, "handler_error")
        raise _Ended()
