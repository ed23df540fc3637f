"""Creates an appointment all-or-nothing: the Idempotency-Key's claim, patient lookup, channel and
reminder execution (side by side), then the record, undoing earlier steps when a later one
fails; a repeated key is answered from the stored record."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from telehealth_shared.appointment_records import AppointmentRecord, load_appointment
from telehealth_shared.audit_scope import audited
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, CONFLICT, NOT_FOUND_CODES, error_code, http_status, is_aws_failure, translate
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, DomainError, Unavailable
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import Appointment, CreateAppointmentRequest

from .parts import channels, reminder_schedule
from .parts.appointment_store import EXECUTION_ARN, FINGERPRINT, put_new
from .parts.compensation import Compensations
from .parts.concurrently import both
from .idempotency import Claim, appointment_id_for, fingerprint, release, try_claim, validate_key
from .parts.user_directory import get_user, not_a_patient, require_patient

logger = logging.getLogger("telehealth.scheduling.create")

# How long a request repeating a key (same body) waits for the request creating it.
SAME_BODY_WAIT_SECONDS = 10.0
SAME_BODY_POLL_SECONDS = 0.2
_RELEASE_ATTEMPTS = 3


@dataclass(frozen=True)
class CreateOutcome:
    appointment: Appointment
    replayed: bool = False


def create_appointment(clients: AwsClients, settings: Settings, principal: Principal,
                       request: CreateAppointmentRequest, idempotency_key: str | None = None) -> CreateOutcome:
    """AWS calls on the happy path: AdminGetUser, then CreateChannel and StartExecution side by
    side, then PutItem (4 calls, 3 sequential round trips; one more AdminGetUser only when the
    token carries no name); with an Idempotency-Key one UpdateItem (the claim) comes first;
    the audit event's PutItem last. A replayed key costs the claim's UpdateItem, one GetItem
    and the audit PutItem."""
    key = validate_key(idempotency_key)
    appointment_id = appointment_id_for(principal.user_id, key)
    with audited(clients, settings, action="appointment.create", resource_type="appointment",
                 resource_id=appointment_id, principal=principal, change=True):
        return _claimed_create(clients, settings, principal, request, appointment_id, key)


def _claimed_create(clients: AwsClients, settings: Settings, principal: Principal,
                    request: CreateAppointmentRequest, appointment_id: str, key: str | None) -> CreateOutcome:
    request_fingerprint = fingerprint(request)
    claim: Claim | None = None
    if key is not None:
        claim, replay = _claim_or_settle(clients, settings, principal, appointment_id, request_fingerprint)
        if replay is not None:
            return replay
    try:
        outcome = _create(clients, settings, principal, request, appointment_id, key, request_fingerprint)
    except BaseException:
        if claim is not None:
            _release(clients, settings, claim)
        raise
    if claim is not None and outcome.replayed:
        # The record answered: the claim only guarded creating it, and nothing was created.
        _release(clients, settings, claim)
    return outcome


def _create(clients: AwsClients, settings: Settings, principal: Principal, request: CreateAppointmentRequest,
            appointment_id: str, key: str | None, request_fingerprint: str) -> CreateOutcome:
    try:
        patient = require_patient(clients, settings, request.patient_id)
        doctor_name = principal.name or _doctor_name(clients, settings, principal)
    except DomainError:
        raise
    except Exception as exc:
        if is_aws_failure(exc):
            raise translate(exc) from exc
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


def _claim_or_settle(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
                     request_fingerprint: str) -> tuple[Claim | None, CreateOutcome | None]:
    """Take the key's claim, or answer from the request that holds it.

    Another body under the same key is refused at once (409) and touches nothing. The same
    body waits for the holder: its record, once written, is replayed (201, as a client that
    retried expects); a holder still at work after SAME_BODY_WAIT_SECONDS gets 409, and one
    that failed releases the claim, which this request then takes and creates anew.
    """
    deadline = time.monotonic() + SAME_BODY_WAIT_SECONDS
    while True:
        try:
            ours, held = try_claim(clients, settings, appointment_id, request_fingerprint)
            if ours is not None:
                return ours, None
            existing = load_appointment(clients, settings, appointment_id)
        except Exception as exc:
            if is_aws_failure(exc):
                raise translate(exc) from exc
            raise
        if existing is not None:
            return None, _replay(existing, principal.user_id, request_fingerprint)
        if held is None or held.fingerprint != request_fingerprint:
            raise Conflict("This Idempotency-Key was already used with a different request.")
        if time.monotonic() >= deadline:
            raise Conflict("A request with this Idempotency-Key is still in progress; retry shortly.")
        time.sleep(SAME_BODY_POLL_SECONDS)


def _release(clients: AwsClients, settings: Settings, claim: Claim) -> None:
    # A claim left behind blocks its key until the lease lapses (a retry gets 409 meanwhile),
    # so the release gets a few more tries than botocore's own.
    for attempt in range(_RELEASE_ATTEMPTS):
        try:
            release(clients, settings, claim)
            return
        except Exception as exc:
            if attempt == _RELEASE_ATTEMPTS - 1:
                log_event(logger, "idempotency_release_failed", logging.WARNING,
                          appointment_id=claim.appointment_id, error_type=type(exc).__name__,
                          aws_code=error_code(exc))
                return
            time.sleep(0.1 * (attempt + 1))


def _doctor_name(clients: AwsClients, settings: Settings, principal: Principal) -> str:
    user = get_user(clients, settings, principal.user_id)
    return user.name if user else ""


def _provision(clients: AwsClients, settings: Settings, record: AppointmentRecord, key: str | None,
               request_fingerprint: str) -> CreateOutcome:
    undo = Compensations("create_appointment", record.appointment_id)
    try:
        # The channel and the reminder execution do not depend on each other: one round trip.
        channel, execution = both(lambda: channels.create(clients, settings, record),
                                  lambda: reminder_schedule.start(clients, settings, record))
        if channel.ok:
            record.channel_arn = channel.value
            undo.push("delete_channel", lambda: channels.delete(clients, settings, record.channel_arn))
        elif _maybe_created(channel.error):
            # The channel may exist even though the call failed (timeout, 5xx).
            undo.push("delete_channel", lambda: channels.delete(clients, settings, record.channel_arn))
        if execution.ok:
            execution_arn = execution.value
            undo.push("stop_execution", lambda: reminder_schedule.stop(clients, settings, execution_arn, "CreateFailed"))
            record.extra[EXECUTION_ARN] = execution_arn
        if not channel.ok:
            replay = _channel_failed(clients, settings, record, key, request_fingerprint, channel.error, undo)
            if replay is not None:
                undo.run()
                return replay
        if not execution.ok:
            raise execution.error
        try:
            put_new(clients, settings, record)
        except Exception as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            # The record exists although this request held the key's claim: only after a
            # takeover of a lapsed claim. Nothing of this attempt is kept.
            undo.run()
            existing = load_appointment(clients, settings, record.appointment_id)
            if existing is None:
                raise Unavailable() from exc
            return _replay(existing, record.doctor_id, request_fingerprint)
    except Exception as exc:
        steps = undo.pending
        complete = undo.run()
        if steps or not isinstance(exc, DomainError):
            log_event(logger, "create_rolled_back", logging.WARNING, appointment_id=record.appointment_id,
                      error_type=type(exc).__name__, aws_code=error_code(exc), undo_steps=steps,
                      undo_complete=complete)
        if isinstance(exc, DomainError):
            raise
        if is_aws_failure(exc):
            raise translate(exc) from exc
        raise
    log_event(logger, "appointment_created", appointment_id=record.appointment_id,
              reminders=len(reminder_schedule.reminders(record, settings.reminder_lead_minutes)))
    return CreateOutcome(record.to_api())


def _maybe_created(exc: BaseException | None) -> bool:
    return exc is not None and (error_code(exc) is None or _server_error(exc))


def _channel_failed(clients: AwsClients, settings: Settings, record: AppointmentRecord, key: str | None,
                    request_fingerprint: str, exc: BaseException, undo: Compensations) -> CreateOutcome | None:
    """Settle a failed CreateChannel: raise, or with an Idempotency-Key (whose claim this
    request holds) replay a stored record or adopt the channel an earlier attempt left."""
    code = error_code(exc)
    if code in NOT_FOUND_CODES:
        # Chime does not know the patient's AppInstanceUser: the account was never
        # provisioned, so it cannot take part yet.
        raise not_a_patient() from exc
    if code != CONFLICT or key is None:
        raise exc
    existing = load_appointment(clients, settings, record.appointment_id)
    if existing is not None:
        return _replay(existing, record.doctor_id, request_fingerprint)
    _adopt_channel(clients, settings, record, undo)
    return None


def _server_error(exc: BaseException) -> bool:
    return http_status(exc) >= 500


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
        if error_code(exc) == CONFLICT:
            raise Conflict("A request with this Idempotency-Key is still in progress; retry shortly.") from exc
        raise
    undo.push("delete_channel", lambda: channels.delete(clients, settings, record.channel_arn))
    log_event(logger, "channel_replaced", appointment_id=record.appointment_id)
    return None


def _replay(existing: AppointmentRecord, doctor_id: str, request_fingerprint: str) -> CreateOutcome:
    if existing.doctor_id != doctor_id or existing.extra.get(FINGERPRINT) != request_fingerprint:
        raise Conflict("This Idempotency-Key was already used with a different request.")
    log_event(logger, "appointment_replayed", appointment_id=existing.appointment_id)
    return CreateOutcome(existing.to_api(), replayed=True)
