"""Creates an appointment all-or-nothing: patient lookup, channel, reminder execution, then the
record, undoing earlier steps when a later one fails; Idempotency-Key replays are answered from
the stored record."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from telehealth_shared.appointment_records import AppointmentRecord, load_appointment
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients, error_code
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, DomainError, Unavailable
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import Appointment, CreateAppointmentRequest

from . import channels, reminder_schedule
from .appointment_store import EXECUTION_ARN, FINGERPRINT, put_new
from .aws_errors import CHANNEL_EXISTS, CONDITION_FAILED, NOT_FOUND_CODES, dependency_failed, is_aws_error
from .compensation import Compensations
from .idempotency import appointment_id_for, fingerprint, validate_key
from .user_directory import get_user, not_a_patient, require_patient

logger = logging.getLogger("telehealth.scheduling.create")


@dataclass(frozen=True)
class CreateOutcome:
    appointment: Appointment
    replayed: bool = False


def create_appointment(clients: AwsClients, settings: Settings, principal: Principal,
                       request: CreateAppointmentRequest, idempotency_key: str | None = None) -> CreateOutcome:
    """AWS calls on the happy path: AdminGetUser, CreateChannel, StartExecution, PutItem (4;
    one more AdminGetUser only when the token carries no name). A replayed key costs
    AdminGetUser, CreateChannel (answered Conflict) and GetItem."""
    key = validate_key(idempotency_key)
    appointment_id = appointment_id_for(principal.user_id, key)
    request_fingerprint = fingerprint(request)
    try:
        patient = require_patient(clients, settings, request.patient_id)
        doctor_name = principal.name or _doctor_name(clients, settings, principal)
    except DomainError:
        raise
    except Exception as exc:
        if is_aws_error(exc):
            raise dependency_failed(exc) from exc
        raise
    record = AppointmentRecord(
        appointment_id=appointment_id, doctor_id=principal.user_id, doctor_name=doctor_name,
        patient_id=patient.user_id, patient_name=patient.name, starts_at=request.starts_at,
        duration_minutes=request.duration_minutes, reason=request.reason, status="scheduled",
        presence_doctor="added", presence_patient="added",
        channel_arn=channels.channel_arn(settings, appointment_id),
        created_at=datetime.now(timezone.utc).replace(microsecond=0), version=1,
    )
    if key is not None:
        record.extra[FINGERPRINT] = request_fingerprint
    return _provision(clients, settings, record, key, request_fingerprint)


def _doctor_name(clients: AwsClients, settings: Settings, principal: Principal) -> str:
    user = get_user(clients, settings, principal.user_id)
    return user.name if user else ""


def _provision(clients: AwsClients, settings: Settings, record: AppointmentRecord, key: str | None,
               request_fingerprint: str) -> CreateOutcome:
    undo = Compensations("create_appointment", record.appointment_id)
    try:
        replay = _create_channel(clients, settings, record, key, request_fingerprint, undo)
        if replay is not None:
            return replay
        execution_arn = reminder_schedule.start(clients, settings, record)
        undo.push("stop_execution", lambda: reminder_schedule.stop(clients, settings, execution_arn, "CreateFailed"))
        record.extra[EXECUTION_ARN] = execution_arn
        try:
            put_new(clients, settings, record)
        except Exception as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            # A concurrent request with the same key wrote the record first. The channel is
            # that appointment's (same id), so only this attempt's execution is undone.
            reminder_schedule.stop(clients, settings, execution_arn, "DuplicateRequest")
            undo.clear()
            existing = load_appointment(clients, settings, record.appointment_id)
            if existing is None:
                raise Unavailable() from exc
            return _replay(existing, record, request_fingerprint)
    except Exception as exc:
        steps = undo.pending
        complete = undo.run()
        if steps or not isinstance(exc, DomainError):
            log_event(logger, "create_rolled_back", logging.WARNING, appointment_id=record.appointment_id,
                      error_type=type(exc).__name__, aws_code=error_code(exc), undo_steps=steps,
                      undo_complete=complete)
        if isinstance(exc, DomainError):
            raise
        if is_aws_error(exc):
            raise dependency_failed(exc) from exc
        raise
    log_event(logger, "appointment_created", appointment_id=record.appointment_id,
              reminders=len(reminder_schedule.reminders(record, settings.reminder_lead_minutes)))
    return CreateOutcome(record.to_api())


def _create_channel(clients: AwsClients, settings: Settings, record: AppointmentRecord, key: str | None,
                    request_fingerprint: str, undo: Compensations) -> CreateOutcome | None:
    """Create the channel (pushing its undo), or settle a repeated Idempotency-Key: a stored
    record is replayed, a channel an earlier crashed attempt left behind is adopted."""
    try:
        record.channel_arn = channels.create(clients, settings, record)
    except Exception as exc:
        code = error_code(exc)
        if code in NOT_FOUND_CODES:
            # Chime does not know the patient's AppInstanceUser: the account was never
            # provisioned, so it cannot take part yet.
            raise not_a_patient() from exc
        if code != CHANNEL_EXISTS or key is None:
            if code is None or _server_error(exc):
                # The channel may exist even though the call failed (timeout, 5xx).
                undo.push("delete_channel", lambda: channels.delete(clients, settings, record.channel_arn))
            raise
        existing = load_appointment(clients, settings, record.appointment_id)
        if existing is not None:
            return _replay(existing, record, request_fingerprint)
        return _adopt_channel(clients, settings, record, undo)
    undo.push("delete_channel", lambda: channels.delete(clients, settings, record.channel_arn))
    return None


def _server_error(exc: BaseException) -> bool:
    response = getattr(exc, "response", None)
    status = (response or {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0) if isinstance(response, dict) else 0
    return status >= 500


def _adopt_channel(clients: AwsClients, settings: Settings, record: AppointmentRecord,
                   undo: Compensations) -> None:
    """An earlier attempt with this key created the channel but never wrote its record.

    If the channel already describes this request (same patient, time and length: the usual
    retry), it is kept as it is, which is also safe when that attempt is in fact still
    running; it is not deleted on a later failure either, leaving things as they were found.
    A channel for another body is replaced, as the earlier attempt never took effect.
    """
    described = clients.chime_messaging.describe_channel(
        ChannelArn=record.channel_arn, ChimeBearer=settings.require("app_instance_admin_arn"))
    if described.get("Channel", {}).get("Metadata") == channels.summary(record):
        log_event(logger, "channel_adopted", appointment_id=record.appointment_id)
        return None
    channels.delete(clients, settings, record.channel_arn)
    try:
        record.channel_arn = channels.create(clients, settings, record)
    except Exception as exc:
        if error_code(exc) == CHANNEL_EXISTS:
            raise Conflict("A request with this Idempotency-Key is still in progress; retry shortly.") from exc
        raise
    undo.push("delete_channel", lambda: channels.delete(clients, settings, record.channel_arn))
    log_event(logger, "channel_replaced", appointment_id=record.appointment_id)
    return None


def _replay(existing: AppointmentRecord, attempted: AppointmentRecord, request_fingerprint: str) -> CreateOutcome:
    if existing.doctor_id != attempted.doctor_id or existing.extra.get(FINGERPRINT) != request_fingerprint:
        raise Conflict("This Idempotency-Key was already used with a different request.")
    log_event(logger, "appointment_replayed", appointment_id=existing.appointment_id)
    return CreateOutcome(existing.to_api(), replayed=True)
