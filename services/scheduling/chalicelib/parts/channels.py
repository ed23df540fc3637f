"""The Chime SDK messaging channel of an appointment: created RESTRICTED and PRIVATE with both
users as members and moderators, its metadata a small summary without contact details."""
from __future__ import annotations

import json
import uuid

from telehealth_shared.appointment_records import AppointmentRecord
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import NOT_FOUND_CODES, error_code
from telehealth_shared.chime_channel import user_arn
from telehealth_shared.config import Settings
from telehealth_shared.models.common import format_utc


MAX_METADATA = 1024  # CreateChannel/UpdateChannel limit on Metadata
MAX_NAME = 256


def channel_arn(settings: Settings, appointment_id: str) -> str:
    # Chime builds a caller-chosen channel's ARN this way, so it is known before creation.
    return f"{settings.require('app_instance_arn')}/channel/{appointment_id}"


def summary(record: AppointmentRecord) -> str:
    """Metadata every member can read: ids, names, time and status; never phone numbers,
    e-mail addresses or the reason for the visit."""
    doctor_name, patient_name = record.doctor_name, record.patient_name
    while True:
        text = json.dumps({
            "appointment_id": record.appointment_id,
            "status": record.status,
            "starts_at": format_utc(record.starts_at),
            "duration_minutes": record.duration_minutes,
            "doctor": {"user_id": record.doctor_id, "name": doctor_name},
            "patient": {"user_id": record.patient_id, "name": patient_name},
        }, ensure_ascii=False, separators=(",", ":"))
        # Names are at most 100 characters (the sign-up rule), which fits; names written by
        # other means are shortened rather than failing the whole appointment.
        if len(text) <= MAX_METADATA or not (doctor_name or patient_name):
            return text
        doctor_name, patient_name = doctor_name[: len(doctor_name) // 2], patient_name[: len(patient_name) // 2]


def _name(record: AppointmentRecord) -> str:
    return f"{record.doctor_name or 'Doctor'} and {record.patient_name or 'patient'}"[:MAX_NAME]


def create(clients: AwsClients, settings: Settings, record: AppointmentRecord) -> str:
    """One CreateChannel as the service's AppInstanceAdmin; returns the channel ARN.

    A random ClientRequestToken per attempt: botocore's own retries of this call reuse it
    (so they stay idempotent), while an existing channel with this id always answers
    ConflictException, which is how a repeated Idempotency-Key is detected.
    """
    members = [user_arn(settings, record.doctor_id), user_arn(settings, record.patient_id)]
    response = clients.chime_messaging.create_channel(
        AppInstanceArn=settings.require("app_instance_arn"),
        Name=_name(record),
        Mode="RESTRICTED",
        Privacy="PRIVATE",
        Metadata=summary(record),
        ClientRequestToken=uuid.uuid4().hex,
        ChimeBearer=settings.require("app_instance_admin_arn"),
        ChannelId=record.appointment_id,
        MemberArns=members,
        ModeratorArns=members,
    )
    return response.get("ChannelArn") or channel_arn(settings, record.appointment_id)


def delete(clients: AwsClients, settings: Settings, arn: str) -> None:
    """DeleteChannel; a channel that is already gone counts as deleted."""
    try:
        clients.chime_messaging.delete_channel(ChannelArn=arn, ChimeBearer=settings.require("app_instance_admin_arn"))
    except Exception as exc:
        if error_code(exc) not in NOT_FOUND_CODES:
            raise


def update_summary(clients: AwsClients, settings: Settings, record: AppointmentRecord) -> None:
    clients.chime_messaging.update_channel(
        ChannelArn=record.channel_arn,
        Metadata=summary(record),
        ChimeBearer=settings.require("app_instance_admin_arn"),
    )

