"""The state machine of a simulated SIP media application call: which events go to the handler and what its responses do.

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
import logging
import re
from typing import TYPE_CHECKING, Any, Callable

from .call_actions import CallActions
from .call_state import Call, CallEnded, CallStateError, Work
from .sma_schema import IGNORED_RESPONSES, ActionFailed, int_parameter, validate_response

if TYPE_CHECKING:
    from ..chime_meetings.views import MeetingViews

log = logging.getLogger(__name__)

MAX_INVOCATIONS = 1000  # AWS's documented limit per call
Pending = tuple[str, "dict | None", "dict | None"]  # (event type, ActionData, extra top-level members)


class HandlerFailed(Exception):
    """The handler raised, timed out or could not be invoked; `fatal` ends the call even while hanging up."""

    def __init__(self, error_type: str, message: str, fatal: bool = False):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.fatal = fatal


# Sends one event to the call's handler and returns its response, or raises HandlerFailed.
Send = Callable[[Call, dict[str, Any]], Any]


class CallFlow:
    """Turns what happens to a call (its Work) into handler events and carries out the responses."""

    def __init__(self, meetings: MeetingViews, send: Send):
        self._meetings = meetings
        self._send = send
        self._actions = CallActions(meetings, self.hang_up, self.leave_meeting)
        self._handlers: dict[str, Callable[[Call, Work], None]] = {
            "dial": self._on_dial, "answer": self._on_answer, "digits": self._on_digits,
            "hangup": self._on_hangup, "update": self._on_update, "meeting_left": self._on_meeting_left,
            "sync": lambda c, w: None,
        }

    def handle(self, call: Call, work: Work) -> None:
        """Process one work item on the call's thread; CallEnded when the call ended on the way."""
        if call.status == "ended" and work.kind != "sync":
            raise CallStateError("The call has ended.")
        self._handlers[work.kind](call, work)

    # --- what happens to the call --------------------------------------------------------

    def _on_dial(self, call: Call, work: Work) -> None:
        self.invoke(call, "NEW_OUTBOUND_CALL",
                    {"Type": "CallCreateRequest", "Parameters": {"Arguments": dict(call.arguments)}})
        call.set_status("ringing")
        self.invoke(call, "RINGING")

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
        self.hang_up(call, code, "callee_hangup")

    def _on_meeting_left(self, call: Call, work: Work) -> None:
        leg_b = call.connected_leg("LEG-B")
        if call.status != "joined" or call.attendee_id != work.payload or leg_b is None:
            return  # already left (hung up, or the handler dropped the leg itself)
        self.leave_meeting(call)
        self._drive(call, ("HANGUP", _hangup_data(0, leg_b.call_id, "LEG-B"), None), run_hangup_response=True)

    def _on_update(self, call: Call, work: Work) -> None:
        self._drive(call, ("CALL_UPDATE_REQUESTED",
                           {"Type": "CallUpdateRequest", "Parameters": {"Arguments": work.payload}}, None))

    # --- events and responses ------------------------------------------------------------

    def _drive(self, call: Call, first: Pending | None, run_hangup_response: bool = False) -> None:
        """Send `first` and every event it leads to, until the call waits for the outside world.

        `run_hangup_response`: a HANGUP of one leg of a two-leg call, whose actions AWS runs.
        """
        pending = first
        invalid_before = False
        while pending is not None and call.status != "ended":
            event_type, action_data, extra = pending
            response = self.invoke(call, event_type, action_data, extra)
            if event_type in IGNORED_RESPONSES and not (event_type == "HANGUP" and run_hangup_response):
                return
            problem = validate_response(response)
            if problem is not None:
                call.record_error(event_type, *problem)
                if invalid_before:
                    # A handler that cannot answer INVALID_LAMBDA_RESPONSE validly would loop forever.
                    self.hang_up(call, 0, "invalid_response", by_application=True)
                    return
                invalid_before = True
                pending = ("INVALID_LAMBDA_RESPONSE", None, {"ErrorType": problem[0], "ErrorMessage": problem[1]})
                continue
            invalid_before = False
            pending = self._apply_response(call, response)

    def _apply_response(self, call: Call, response: dict[str, Any]) -> Pending | None:
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
            self.invoke(call, "ACTION_INTERRUPTED", copy.deepcopy(interrupted))
            if call.status == "ended":
                return None
        call.remaining = [copy.deepcopy(a) for a in actions]
        call.last_action = None
        return self._run_actions(call)

    def _run_actions(self, call: Call) -> Pending | None:
        """Carry out the queued actions; the event to send next, or None to wait."""
        while call.remaining:
            action = call.remaining.pop(0)
            action.setdefault("Parameters", {})
            try:
                outcome = self._actions.perform(call, action)
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

    def _gathered(self, call: Call, digits: str) -> Pending | None:
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
        maximum = int_parameter(params.get("MaxNumberOfDigits"), 128)
        received = received[:maximum]
        minimum = int_parameter(params.get("MinNumberOfDigits"), 1)
        pattern = params.get("InputDigitsRegex")
        valid = len(received) >= minimum and (pattern is None or re.search(pattern, received) is not None)
        if valid:
            call.gather = None
            call.last_action = {**gather.action, "ReceivedDigits": received}
            return self._run_actions(call)
        gather.attempts_left -= 1
        failure_text = (params.get("FailureSpeechParameters") or {}).get("Text")
        if failure_text:
            call.say(failure_text)
        if gather.attempts_left > 0:
            # AWS plays the failure prompt, then the main prompt again, until Repeat runs out.
            main_text = (params.get("SpeechParameters") or {}).get("Text")
            if main_text:
                call.say(main_text)
            return None
        call.gather = None
        call.remaining = []
        data = {**gather.action, "ReceivedDigits": received, "ErrorType": "InvalidDigitsReceived",
                "ErrorMessage": "The digits received do not match the requested input."}
        return "ACTION_FAILED", data, None

    def invoke(self, call: Call, event_type: str, action_data: dict | None = None, extra: dict | None = None,
               allow_ended: bool = False) -> Any:
        """Send one event to the handler and return its response; a failed handler ends the call."""
        if call.status == "ended" and not allow_ended:
            raise CallEnded()
        if call.sequence >= MAX_INVOCATIONS:
            call.record_error(event_type, "InvocationLimitExceeded",
                              f"A call can invoke its Lambda function at most {MAX_INVOCATIONS} times.")
            self.end(call, "invocation_limit")
            raise CallEnded()
        event = call.new_event(event_type, action_data, extra)
        try:
            return self._send(call, event)
        except HandlerFailed as failure:
            call.record_error(event_type, failure.error_type, failure.message)
            if failure.fatal:
                self.end(call, "handler_error")
                raise CallEnded() from None
            log.info("call %s: handler failed on %s (%s)", call.transaction_id, event_type, failure.error_type)
        if allow_ended:
            # Already hanging up: the caller finishes ending the call with its own reason.
            return None
        self.end(call, "handler_error")
        raise CallEnded()

    # --- ending --------------------------------------------------------------------------

    def hang_up(self, call: Call, code: int, reason: str, by_application: bool = False) -> None:
        """LEG-A is gone: HANGUP for it, then the meeting leg (if any) is dropped; the call ends."""
        leg_a = call.leg_a
        was_connected = leg_a.status == "Connected"
        with call.lock:
            leg_a.status = "Disconnected"
            call.gather = None
            call.remaining = []
        if was_connected or not by_application:
            self.invoke(call, "HANGUP", _hangup_data(code, leg_a.call_id, "LEG-A"), allow_ended=True)
        leg_b = call.connected_leg("LEG-B")
        if leg_b is not None:
            self.leave_meeting(call)
            self.invoke(call, "HANGUP", _hangup_data(0, leg_b.call_id, "LEG-B"), allow_ended=True)
        self.end(call, reason)

    def leave_meeting(self, call: Call) -> None:
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

    def end(self, call: Call, reason: str) -> None:
        if call.status == "ended":
            return
        if call.connected_leg("LEG-B") is not None:
            self.leave_meeting(call)
        with call.lock:
            for leg in call.legs:
                if leg.status is not None:
                    leg.status = "Disconnected"
            call.status = "ended"
            call.end_reason = reason
            call.gather = None
            call.remaining = []
        log.info("call %s ended (%s)", call.transaction_id, reason)


def _hangup_data(code: int, call_id: str, tag: str) -> dict[str, Any]:
    return {"Type": "Hangup", "Parameters": {"SipResponseCode": code, "CallId": call_id, "ParticipantTag": tag}}
