"""Carrying out one action of a SIP media application handler's response on a simulated call (Speak, gathers, joins, Hangup)."""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Callable

from .call_state import Call, Gather, Leg, new_leg
from .sma_schema import GATHER_ACTIONS, ActionFailed, check_digits_regex, int_parameter, is_duration

if TYPE_CHECKING:
    from ..chime_meetings.views import MeetingViews

HangUp = Callable[..., None]  # (call, sip_code, reason, by_application=False)
LeaveMeeting = Callable[[Call], None]


class CallActions:
    """The emulated actions; `hang_up` and `leave_meeting` are the call flow's ways of ending legs."""

    def __init__(self, meetings: MeetingViews, hang_up: HangUp, leave_meeting: LeaveMeeting):
        self._meetings = meetings
        self._hang_up = hang_up
        self._leave_meeting = leave_meeting

    def perform(self, call: Call, action: dict[str, Any]) -> str:
        """Run one action; "done" to go on with the list, "wait" when it waits for the callee."""
        kind = action["Type"]
        params = action["Parameters"]
        if kind == "Speak":
            self._target_leg(call, params)
            text = params.get("Text")
            if not isinstance(text, str) or not text:
                raise ActionFailed("InvalidActionParameter", "Text parameter is required.")
            call.say(text)
            return "done"
        if kind == "Pause":
            self._target_leg(call, params)
            if not is_duration(params.get("DurationInMilliseconds")):
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
        check_digits_regex(params.get("InputDigitsRegex"))
        attempts = max(1, int_parameter(params.get("Repeat"), 1))
        for name in ("MinNumberOfDigits", "MaxNumberOfDigits"):
            int_parameter(params.get(name), 0)
        if text:
            call.say(text)
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
            call.legs.append(new_leg("LEG-B", call.to_number, call.from_number, "Connected"))
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
