"""Builds SIP media application handler responses in the schema the service accepts.

SchemaVersion "1.0", at most ten actions, and Hangup's SipResponseCode as a string, as the
action reference documents it (the HANGUP event itself carries it as a number).
"""
from __future__ import annotations

from typing import Any

SCHEMA_VERSION = "1.0"
MAX_ACTIONS = 10
VOICE = {"Engine": "neural", "LanguageCode": "en-US", "TextType": "text", "VoiceId": "Joanna"}

JOIN_DIGIT = "1"
# The first words after pick-up are easily lost while the phone reaches the ear.
ANSWER_PAUSE_MS = 1000
RETRY_PROMPT = "Sorry, I did not get that. Press 1 to join the call."
APOLOGY = "Sorry, we could not find this call. Please contact your care team. Goodbye."
CALL_OVER = "Sorry, this video call has already ended. Goodbye."
TECHNICAL_PROBLEM = "Sorry, something went wrong on our side. Please try again later. Goodbye."


def response(*actions: dict[str, Any]) -> dict[str, Any]:
    if len(actions) > MAX_ACTIONS:
        raise ValueError(f"a handler response holds at most {MAX_ACTIONS} actions")
    return {"SchemaVersion": SCHEMA_VERSION, "Actions": list(actions)}


def no_actions() -> dict[str, Any]:
    return response()


def greeting(patient_name: str, doctor_name: str) -> str:
    hello = f"Hi {patient_name}," if patient_name.strip() else "Hi,"
    doctor = doctor_name.strip() or "your doctor"
    return f"{hello} you have an appointment with {doctor}. Press 1 to join the call."


def speak(call_id: str, text: str) -> dict[str, Any]:
    return {"Type": "Speak", "Parameters": {"CallId": call_id, "Text": text, **VOICE}}


def pause(call_id: str, milliseconds: int) -> dict[str, Any]:
    # A string, as in the action reference's example.
    return {"Type": "Pause", "Parameters": {"CallId": call_id, "DurationInMilliseconds": str(milliseconds)}}


def speak_and_get_join_digit(call_id: str, text: str) -> dict[str, Any]:
    return {
        "Type": "SpeakAndGetDigits",
        "Parameters": {
            "CallId": call_id,
            "InputDigitsRegex": f"^{JOIN_DIGIT}$",
            "SpeechParameters": {"Text": text, **VOICE},
            "FailureSpeechParameters": {"Text": RETRY_PROMPT, **VOICE},
            "MinNumberOfDigits": 1,
            "MaxNumberOfDigits": 1,
            "TerminatorDigits": ["#"],
            "InBetweenDigitsDurationInMilliseconds": 5000,
            "Repeat": 3,
            "RepeatDurationInMilliseconds": 10000,
        },
    }


def join_chime_meeting(call_id: str, join_token: str, meeting_id: str) -> dict[str, Any]:
    return {"Type": "JoinChimeMeeting",
            "Parameters": {"JoinToken": join_token, "CallId": call_id, "MeetingId": meeting_id}}


def hangup(call_id: str | None) -> dict[str, Any]:
    """Hang up the call; without a call id, the SIP media application's own leg (LEG-A)."""
    if not call_id:
        return {"Type": "Hangup", "Parameters": {"SipResponseCode": "0"}}
    return {"Type": "Hangup", "Parameters": {"CallId": call_id, "SipResponseCode": "0"}}


def say_and_hang_up(call_id: str | None, text: str) -> dict[str, Any]:
    """Speak `text` then end the call; without a call id there is nobody to talk to."""
    if not call_id:
        return no_actions()
    return response(speak(call_id, text), hangup(call_id))
