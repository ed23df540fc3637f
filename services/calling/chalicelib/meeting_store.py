"""Conditional writes of the `meeting_*` attributes on the appointment item.

Every write is conditional, so concurrent requests settle on one active meeting: a store
only succeeds against the generation it read, an attendee is only added to the meeting it
belongs to, and a clear only removes the meeting it means to remove.
"""
from __future__ import annotations

from typing import Any

from telehealth_shared.appointment_records import deserialize_item
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import condition_failed_item, is_condition_failed
from telehealth_shared.config import Settings
from telehealth_shared.visit_meeting import clear_meeting_attributes

from .meeting_state import (ATTENDEES, GENERATION, MEETING, MEETING_ID, PATIENT_JOINED_AT,
                            STARTED_AT, ActiveMeeting, attendee_json)


class LostRace(Exception):
    """Another request changed the item first; `attributes` is the item as it now is (or None)."""

    def __init__(self, attributes: dict[str, Any] | None):
        super().__init__("the appointment item changed concurrently")
        self.attributes = attributes


def _values(**values: Any) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {f":{name}": serializer.serialize(value) for name, value in values.items()}


def _key(appointment_id: str) -> dict[str, Any]:
    return {"appointment_id": {"S": appointment_id}}


def _current(exc: BaseException) -> dict[str, Any] | None:
    item = condition_failed_item(exc)
    return deserialize_item(item) if item else None


def store_meeting(clients: AwsClients, settings: Settings, appointment_id: str, meeting: ActiveMeeting,
                  previous_generation: int) -> None:
    """Record `meeting` as the appointment's active one, replacing whatever generation
    `previous_generation` held; raises LostRace when someone else stored or cancelled first."""
    names = {"#st": "status", "#gen": GENERATION, "#mid": MEETING_ID, "#m": MEETING, "#att": ATTENDEES,
             "#sa": STARTED_AT}
    attributes = meeting.to_attributes()
    values = _values(scheduled="scheduled", in_progress="in_progress", mid=attributes[MEETING_ID], m=attributes[MEETING],
                     att=attributes[ATTENDEES], sa=attributes[STARTED_AT], gen=attributes[GENERATION])
    if previous_generation:
        generation_check = "#gen = :prev"
        values.update(_values(prev=previous_generation))
    else:
        generation_check = "attribute_not_exists(#gen)"
    try:
        clients.dynamodb.update_item(
            TableName=settings.require("appointments_table"),
            Key=_key(appointment_id),
            UpdateExpression="SET #mid = :mid, #m = :m, #att = :att, #sa = :sa, #gen = :gen",
            ConditionExpression=f"attribute_exists(appointment_id) AND #st IN (:scheduled, :in_progress) AND {generation_check}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except Exception as exc:
        if is_condition_failed(exc):
            raise LostRace(_current(exc)) from None
        raise


def store_attendee(clients: AwsClients, settings: Settings, appointment_id: str, meeting_id: str, user_id: str,
                   attendee: dict[str, Any]) -> bool:
    """Remember a user's attendee for the meeting; False when that meeting is no longer active."""
    try:
        clients.dynamodb.update_item(
            TableName=settings.require("appointments_table"),
            Key=_key(appointment_id),
            UpdateExpression="SET #att.#uid = :a",
            ConditionExpression="#mid = :mid AND attribute_exists(#att)",
            ExpressionAttributeNames={"#att": ATTENDEES, "#uid": user_id, "#mid": MEETING_ID},
            ExpressionAttributeValues=_values(a=attendee_json(attendee), mid=meeting_id),
        )
        return True
    except Exception as exc:
        if is_condition_failed(exc):
            return False
        raise


def mark_patient_joined(clients: AwsClients, settings: Settings, appointment_id: str, at: str) -> None:
    """Record (once) that the patient joined a meeting of the visit: the no-show timer's proof.
    Unconditional apart from existence, so a join racing a status change still leaves it."""
    clients.dynamodb.update_item(
        TableName=settings.require("appointments_table"),
        Key=_key(appointment_id),
        UpdateExpression="SET #pj = if_not_exists(#pj, :at)",
        ConditionExpression="attribute_exists(appointment_id)",
        ExpressionAttributeNames={"#pj": PATIENT_JOINED_AT},
        ExpressionAttributeValues=_values(at=at),
    )


def clear_meeting(clients: AwsClients, settings: Settings, appointment_id: str, meeting_id: str) -> bool:
    """Forget the active meeting if it is still `meeting_id`; False when it already changed.

    The generation stays: it keeps counting meetings and guarding the next store.
    """
    return clear_meeting_attributes(clients, settings, appointment_id, meeting_id)
