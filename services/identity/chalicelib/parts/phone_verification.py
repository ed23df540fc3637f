"""Codes that verify a changed phone number: texted, stored hashed with an expiry and an attempt limit."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_condition_failed
from telehealth_shared.config import Settings
from telehealth_shared.errors import ValidationFailed

CODE_TTL_SECONDS = 10 * 60
MAX_ATTEMPTS = 5


def _hash(user_id: str, phone_number: str, code: str) -> str:
    # Bound to the user and the number, so a code can only ever verify what it was sent for.
    return hashlib.sha256(f"{user_id}\n{phone_number}\n{code}".encode("utf-8")).hexdigest()


def issue_code(clients: AwsClients, settings: Settings, user_id: str, phone_number: str) -> str:
    """A fresh six-digit code for `phone_number`, replacing any earlier one."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    clients.dynamodb.put_item(
        TableName=settings.require("verifications_table"),
        Item={"user_id": {"S": user_id}, "phone_number": {"S": phone_number},
              "code_hash": {"S": _hash(user_id, phone_number, code)}, "attempts": {"N": "0"},
              "expires_at": {"N": str(int(time.time()) + CODE_TTL_SECONDS)}})
    return code


def _wrong() -> ValidationFailed:
    return ValidationFailed("The code is wrong or has expired.", [{"path": "$.code", "message": "wrong or expired code"}])


def check_code(clients: AwsClients, settings: Settings, user_id: str, phone_number: str, code: str) -> None:
    """Count one attempt (atomically, so parallel guesses share the limit), then compare."""
    table = settings.require("verifications_table")
    try:
        item: dict[str, Any] = clients.dynamodb.update_item(
            TableName=table, Key={"user_id": {"S": user_id}},
            UpdateExpression="ADD attempts :one",
            ConditionExpression="attempts < :max AND expires_at > :now AND phone_number = :phone",
            ExpressionAttributeValues={":one": {"N": "1"}, ":max": {"N": str(MAX_ATTEMPTS)},
                                       ":now": {"N": str(int(time.time()))}, ":phone": {"S": phone_number}},
            ReturnValues="ALL_NEW")["Attributes"]
    except Exception as exc:
        if is_condition_failed(exc):
            raise _wrong() from None
        raise
    if not hmac.compare_digest(item["code_hash"]["S"], _hash(user_id, phone_number, code)):
        raise _wrong()


def forget_code(clients: AwsClients, settings: Settings, user_id: str) -> None:
    clients.dynamodb.delete_item(TableName=settings.require("verifications_table"), Key={"user_id": {"S": user_id}})
