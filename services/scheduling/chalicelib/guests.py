"""Guests of a visit (its doctor invites and revokes, participants list): an interpreter,
caregiver or clinician who joins by a one-time code, without an account.

The guest and its code are written in one TransactWriteItems (telehealth_shared.guest_records
says where), then the code is texted or e-mailed; a message that cannot go out takes both back.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone
from typing import Any

from telehealth_shared import guest_records as records
from telehealth_shared.audit import audit
from telehealth_shared.appointment_item import scheduling_transact_update, scheduling_write
from telehealth_shared.appointment_records import AppointmentRecord, deserialize_item, load_for_participant
from telehealth_shared.auth import Principal
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import CONDITION_FAILED, error_code, is_aws_failure, is_not_found, translate
from telehealth_shared.config import Settings
from telehealth_shared.errors import Conflict, Forbidden, NotFound
from telehealth_shared.item_update import Update, attr
from telehealth_shared.log import log_event
from telehealth_shared.models.appointments import OPEN_STATUSES
from telehealth_shared.models.common import format_utc
from telehealth_shared.models.guests import CreateGuestRequest, Guest, GuestsResponse
from telehealth_shared.email import email_configured, send_email
from telehealth_shared.sms import send_text


logger = logging.getLogger("telehealth.scheduling.guests")

TEXT = "You are invited to join a video visit as a guest. Your join code: {code}"
SUBJECT = "Your code to join a video visit"


def _as_doctor(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> AppointmentRecord:
    record, role = load_for_participant(clients, settings, appointment_id, principal)
    if role != "doctor":
        raise Forbidden("Only the appointment's doctor can manage its guests.")
    return record


def invite_guest(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
                 body: CreateGuestRequest) -> Guest:
    """AWS calls: GetItem, TransactWriteItems (guest + code), one SMS or e-mail, the audit event."""
    record = _as_doctor(clients, settings, principal, appointment_id)
    if not record.is_open:
        raise Conflict(record.closed_message())
    if body.email is not None and not email_configured(settings):
        # Refuse rather than invite someone who never hears of it.
        raise Conflict("E-mail invitations are not configured in this deployment; invite the guest by phone.")
    if len(records.guests_of(record)) >= records.MAX_GUESTS:
        raise Conflict(f"A visit can have at most {records.MAX_GUESTS} guests.")
    guest_id = uuid.uuid4().hex
    code = records.new_code()
    entry = {"name": body.name, "kind": body.kind, "status": "invited", "contact": "email" if body.email else "sms",
             "created_at": format_utc(datetime.now(timezone.utc))}
    table = settings.require("appointments_table")
    try:
        clients.dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table,
                     "Item": {"appointment_id": {"S": records.code_key(code)},
                              "for_appointment": {"S": record.appointment_id}, "guest_id": {"S": guest_id}},
                     "ConditionExpression": "attribute_not_exists(appointment_id)"}},
            scheduling_transact_update(settings, record.appointment_id,
                                       Update(set={records.guest_attribute(guest_id): entry}),
                                       condition=attr("status").is_in(list(OPEN_STATUSES))),
        ])
    except Exception as exc:
        if error_code(exc) == "TransactionCanceledException":
            raise Conflict("The appointment changed while inviting; read it again.") from exc
        if is_aws_failure(exc):
            raise translate(exc) from exc
        raise
    try:
        if body.email is not None:
            send_email(clients, settings, to=body.email, subject=SUBJECT, body=TEXT.format(code=code))
            delivered = True
        else:
            outcome = send_text(clients, settings, destination=body.phone_number or "", body=TEXT.format(code=code),
                                context={"appointment_id": record.appointment_id, "guest_id": guest_id})
            delivered = outcome.status == "sent"
    except Exception:
        _take_back(clients, settings, record.appointment_id, guest_id, code)
        raise
    if not delivered:
        _take_back(clients, settings, record.appointment_id, guest_id, code)
        raise Conflict("That number has opted out of our texts; the guest was not invited.")
    log_event(logger, "guest_invited", appointment_id=record.appointment_id, guest_id=guest_id, kind=body.kind)
    audit(clients, action="guest.invite", resource_type="appointment", resource_id=record.appointment_id,
          principal=principal, settings=settings)
    return records.to_api(record, guest_id, entry)


def _take_back(clients: AwsClients, settings: Settings, appointment_id: str, guest_id: str, code: str) -> None:
    table = settings.require("appointments_table")
    try:
        clients.dynamodb.transact_write_items(TransactItems=[
            {"Delete": {"TableName": table, "Key": {"appointment_id": {"S": records.code_key(code)}}}},
            scheduling_transact_update(settings, appointment_id, Update(remove=(records.guest_attribute(guest_id),))),
        ])
    except Exception as exc:
        # The code was never delivered, so nobody can use it; the guest is listed as invited.
        log_event(logger, "guest_rollback_failed", logging.ERROR, appointment_id=appointment_id, guest_id=guest_id,
                  aws_code=error_code(exc))


def list_guests(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str) -> GuestsResponse:
    """One GetItem; either participant."""
    record, _ = load_for_participant(clients, settings, appointment_id, principal)
    guests = sorted(records.guests_of(record).items(), key=lambda kv: str(kv[1].get("created_at", "")))
    audit(clients, action="guest.list", resource_type="appointment", resource_id=record.appointment_id,
          principal=principal, settings=settings)
    return GuestsResponse(guests=[records.to_api(record, gid, entry) for gid, entry in guests])


def revoke_guest(clients: AwsClients, settings: Settings, principal: Principal, appointment_id: str,
                 guest_id: str) -> Guest:
    """AWS calls: GetItem, UpdateItem; DeleteAttendee when the guest had joined a meeting."""
    record = _as_doctor(clients, settings, principal, appointment_id)
    if not records.plausible_guest_id(guest_id) or guest_id not in records.guests_of(record):
        raise NotFound("No such guest.")
    attribute = records.guest_attribute(guest_id)
    try:
        attributes = scheduling_write(
            clients, settings, record.appointment_id,
            Update(set={(attribute, "status"): "revoked",
                        (attribute, "revoked_at"): format_utc(datetime.now(timezone.utc))}),
            condition=attr(attribute).exists(), return_new=True)
    except Exception as exc:
        if error_code(exc) == CONDITION_FAILED:
            raise NotFound("No such guest.") from exc
        if is_aws_failure(exc):
            raise translate(exc) from exc
        raise
    current = AppointmentRecord.from_item(deserialize_item(attributes or {}))
    entry: dict[str, Any] = records.guests_of(current)[guest_id]
    if entry.get("attendee_id") and entry.get("meeting_id"):
        _remove_attendee(clients, str(entry["meeting_id"]), str(entry["attendee_id"]))
    log_event(logger, "guest_revoked", appointment_id=record.appointment_id, guest_id=guest_id)
    audit(clients, action="guest.revoke", resource_type="appointment", resource_id=record.appointment_id,
          principal=principal, settings=settings)
    return records.to_api(current, guest_id, entry)


def _remove_attendee(clients: AwsClients, meeting_id: str, attendee_id: str) -> None:
    try:
        clients.chime_meetings.delete_attendee(MeetingId=meeting_id, AttendeeId=attendee_id)
    except Exception as exc:
        if is_not_found(exc):
            return  # the meeting ended or the doctor removed the guest already
        if is_aws_failure(exc):
            raise translate(exc) from exc
        raise
