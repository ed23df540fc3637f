"""Test appointments written the way the scheduling service writes them (an AppointmentRecord
item plus a RESTRICTED channel with both participants as members and moderators), without
importing that service: two Chalice apps cannot share a process."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item, serialize_item
from telehealth_shared.config import Settings

JSON = {"content-type": "application/json"}
APP_INSTANCE_ARN = "arn:aws:chime:us-east-1:123456789012:app-instance/app1"
ADMIN_ARN = f"{APP_INSTANCE_ARN}/user/telehealth-service"


def offline_settings() -> Settings:
    """Settings for tests that reach no AWS endpoint."""
    return Settings(region="us-east-1", stage="test", user_pool_id=None, user_pool_client_id=None,
                    jwks_url_override=None, token_issuer_override=None, app_instance_arn=APP_INSTANCE_ARN,
                    app_instance_admin_arn=ADMIN_ARN, appointments_table="appointments", calls_table=None,
                    state_machine_arn=None, sms_origination_identity=None, sms_configuration_set=None,
                    sip_media_application_id=None, phone_number=None, reminder_lead_minutes=(),
                    token_leeway_seconds=30)


def create_appointment(stack: Any, doctor: Any, patient: Any, *, status: str = "scheduled") -> AppointmentRecord:
    settings = stack.settings
    appointment_id = str(uuid.uuid4())
    members = [doctor.app_instance_user_arn, patient.app_instance_user_arn]
    channel_arn = stack.client("chime-sdk-messaging").create_channel(
        AppInstanceArn=settings["TELEHEALTH_APP_INSTANCE_ARN"], Name="Appointment", Mode="RESTRICTED",
        Privacy="PRIVATE", ClientRequestToken=appointment_id, ChannelId=appointment_id, MemberArns=members,
        ModeratorArns=members, ChimeBearer=settings["TELEHEALTH_APP_INSTANCE_ADMIN_ARN"])["ChannelArn"]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    record = AppointmentRecord(
        appointment_id=appointment_id, doctor_id=doctor.user_id, doctor_name=doctor.name,
        patient_id=patient.user_id, patient_name=patient.name, starts_at=now + timedelta(days=1),
        duration_minutes=30, reason="Follow-up", status=status, presence_doctor="added",
        presence_patient="added", channel_arn=channel_arn, created_at=now)
    stack.client("dynamodb").put_item(TableName=settings["TELEHEALTH_APPOINTMENTS_TABLE"],
                                      Item=serialize_item(record.to_item()))
    return record


def cancel(stack: Any, record: AppointmentRecord) -> None:
    stack.client("dynamodb").update_item(
        TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"], Key={"appointment_id": {"S": record.appointment_id}},
        UpdateExpression="SET #status = :cancelled", ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":cancelled": {"S": "cancelled"}})


def stored_item(stack: Any, appointment_id: str) -> dict[str, Any]:
    item = stack.client("dynamodb").get_item(TableName=stack.settings["TELEHEALTH_APPOINTMENTS_TABLE"],
                                             Key={"appointment_id": {"S": appointment_id}}, ConsistentRead=True)["Item"]
    return deserialize_item(item)


def call(api: Any, method: str, path: str, user: Any = None, body: Any = None,
         headers: Mapping[str, str] | None = None) -> tuple[int, Any]:
    all_headers = dict(headers or {})
    if user is not None:
        all_headers.update(user.headers)
    kwargs: dict[str, Any] = {"headers": all_headers}
    if body is not None:
        kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        all_headers.update(JSON)
    response = getattr(api.http, method.lower())(path, **kwargs)
    return response.status_code, json.loads(response.body) if response.body else None
