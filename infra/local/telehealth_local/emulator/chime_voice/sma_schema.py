"""The SIP media application handler's response schema and action parameter checks, as the PSTN audio service applies them."""
from __future__ import annotations

import json
import re
from typing import Any

SCHEMA_VERSION = "1.0"
MAX_ACTIONS = 10
MAX_TRANSACTION_ATTRIBUTES = 10
DIGITS = re.compile(r"[0-9#*]*")

# Every action type the PSTN audio service knows; the emulated ones have handlers in call_flow.
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


class ActionFailed(Exception):
    """An action cannot be carried out: ACTION_FAILED with this ErrorType and ErrorMessage."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def is_duration(value: Any) -> bool:
    """A non-negative whole number, as a JSON number or a string of digits."""
    return (isinstance(value, int) and not isinstance(value, bool) and value >= 0) or (
        isinstance(value, str) and value.isdigit())


def int_parameter(value: Any, default: int) -> int:
    """A numeric action parameter, `default` when absent; ActionFailed when it is not a number."""
    if value is None:
        return default
    if isinstance(value, bool) or not is_duration(value):
        raise ActionFailed("InvalidActionParameter", "A numeric parameter value is invalid.")
    return int(value)


def check_digits_regex(pattern: Any) -> None:
    """InputDigitsRegex, when given, must compile."""
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except (re.error, TypeError):
        raise ActionFailed("InvalidActionParameter", "InputDigitsRegex parameter value is invalid.") from None


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
        problem = _action_list_problem(actions)
        if problem is not None:
            return problem
    attributes = response.get("TransactionAttributes")
    if attributes is not None:
        if not isinstance(attributes, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()):
            return "TransactionAttributesInvalidMap", "Transaction Attributes must map strings to strings."
        if len(attributes) > MAX_TRANSACTION_ATTRIBUTES:
            return ("TransactionAttributesInvalidMapSize",
                    f"Transaction Attributes has too many mappings. Maximum number of mappings is {MAX_TRANSACTION_ATTRIBUTES}")
    return None


def _action_list_problem(actions: Any) -> tuple[str, str] | None:
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
    return None
