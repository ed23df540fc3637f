"""The invitations table: one item per invitation, changed only by conditional writes."""
from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import is_condition_failed
from telehealth_shared.config import Settings
from telehealth_shared.errors import ValidationFailed

INVITATION_DAYS = 7


@dataclass(frozen=True)
class InvitationRecord:
    invitation_id: str
    email: str
    role: str
    status: str  # stored: pending | used | revoked
    expires_at: int  # epoch seconds
    code_hash: str

    def status_at(self, now: float) -> str:
        """The status the API shows: a pending invitation past its time is expired."""
        if self.status == "pending" and self.expires_at <= now:
            return "expired"
        return self.status

    @property
    def expires(self) -> datetime:
        return datetime.fromtimestamp(self.expires_at, tz=timezone.utc)


def _table(settings: Settings) -> str:
    return settings.require("invitations_table")


def _record(item: dict[str, Any]) -> InvitationRecord:
    return InvitationRecord(invitation_id=item["invitation_id"]["S"], email=item["email"]["S"], role=item["role"]["S"],
                            status=item["status"]["S"], expires_at=int(item["expires_at"]["N"]),
                            code_hash=item["code_hash"]["S"])


def put_invitation(clients: AwsClients, settings: Settings, *, invitation_id: str, email: str, role: str,
                   code_hash: str, created_by: str, now: float | None = None) -> InvitationRecord:
    now = time.time() if now is None else now
    expires_at = int(now) + INVITATION_DAYS * 86400
    clients.dynamodb.put_item(
        TableName=_table(settings),
        Item={"invitation_id": {"S": invitation_id}, "email": {"S": email}, "role": {"S": role},
              "status": {"S": "pending"}, "expires_at": {"N": str(expires_at)}, "code_hash": {"S": code_hash},
              "created_by": {"S": created_by}, "created_at": {"N": str(int(now))}},
        ConditionExpression="attribute_not_exists(invitation_id)")
    return InvitationRecord(invitation_id, email, role, "pending", expires_at, code_hash)


def delete_invitation(clients: AwsClients, settings: Settings, invitation_id: str) -> None:
    clients.dynamodb.delete_item(TableName=_table(settings), Key={"invitation_id": {"S": invitation_id}})


def get_invitation(clients: AwsClients, settings: Settings, invitation_id: str) -> InvitationRecord | None:
    item = clients.dynamodb.get_item(TableName=_table(settings), Key={"invitation_id": {"S": invitation_id}},
                                     ConsistentRead=True).get("Item")
    return _record(item) if item else None


def claim(clients: AwsClients, settings: Settings, record: InvitationRecord, now: float | None = None) -> bool:
    """Mark the invitation used if it still is pending and unexpired; False when another won."""
    now = time.time() if now is None else now
    try:
        clients.dynamodb.update_item(
            TableName=_table(settings), Key={"invitation_id": {"S": record.invitation_id}},
            UpdateExpression="SET #s = :used, used_at = :now",
            ConditionExpression="#s = :pending AND expires_at > :now AND code_hash = :hash",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":used": {"S": "used"}, ":pending": {"S": "pending"},
                                       ":now": {"N": str(int(now))}, ":hash": {"S": record.code_hash}})
    except Exception as exc:
        if is_condition_failed(exc):
            return False
        raise
    return True


def release(clients: AwsClients, settings: Settings, invitation_id: str) -> None:
    """Undo a claim whose sign-up failed, so the invitee can try again."""
    try:
        clients.dynamodb.update_item(
            TableName=_table(settings), Key={"invitation_id": {"S": invitation_id}},
            UpdateExpression="SET #s = :pending REMOVE used_at",
            ConditionExpression="#s = :used AND attribute_not_exists(used_by)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":used": {"S": "used"}, ":pending": {"S": "pending"}})
    except Exception as exc:
        if not is_condition_failed(exc):
            raise


def record_user(clients: AwsClients, settings: Settings, invitation_id: str, user_id: str) -> None:
    clients.dynamodb.update_item(
        TableName=_table(settings), Key={"invitation_id": {"S": invitation_id}},
        UpdateExpression="SET used_by = :user", ExpressionAttributeValues={":user": {"S": user_id}})


def revoke(clients: AwsClients, settings: Settings, invitation_id: str) -> str | None:
    """Revoke a pending invitation; returns the stored status it had (None: no such invitation)."""
    try:
        clients.dynamodb.update_item(
            TableName=_table(settings), Key={"invitation_id": {"S": invitation_id}},
            UpdateExpression="SET #s = :revoked",
            ConditionExpression="#s = :pending",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":revoked": {"S": "revoked"}, ":pending": {"S": "pending"}})
    except Exception as exc:
        if not is_condition_failed(exc):
            raise
        current = get_invitation(clients, settings, invitation_id)
        return current.status if current else None
    return "pending"


def _encode(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key["invitation_id"]["S"]).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
        if not isinstance(value, str) or not value:
            raise ValueError
    except (ValueError, binascii.Error, json.JSONDecodeError):
        raise ValidationFailed("next_token is not valid.",
                               [{"path": "query.next_token", "message": "not a token from this API"}]) from None
    return {"invitation_id": {"S": value}}


def list_page(clients: AwsClients, settings: Settings, limit: int,
              next_token: str | None) -> tuple[list[InvitationRecord], str | None]:
    params: dict[str, Any] = {"TableName": _table(settings), "Limit": limit}
    if next_token:
        params["ExclusiveStartKey"] = _decode(next_token)
    page = clients.dynamodb.scan(**params)
    last = page.get("LastEvaluatedKey")
    return [_record(item) for item in page.get("Items", [])], (_encode(last) if last else None)
