"""State and rules of the emulated Chime SDK identity service, plus the lookups other backends rely on.

ARNs: app instance `arn:aws:chime:REGION:ACCOUNT:app-instance/ID`, user
`<app instance ARN>/user/USERID`. Users are unique per app instance (Conflict otherwise);
admins must be users of the same app instance. Not emulated: bots, user endpoints,
retention and expiration (settings are stored and returned, nothing expires).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import threading
import uuid
from typing import Any

from ..core.tagging import MAX_TAGS, ChimeTagging, tag_dict
from ..core import paginate, utcnow
from ..core.arns import parse_arn
from .exceptions import BadRequestException, ConflictException, NotFoundException


@dataclasses.dataclass
class AppInstance:
    arn: str
    name: str
    metadata: str | None
    created: dt.datetime
    updated: dt.datetime
    seq: int
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class AppInstanceUser:
    arn: str
    app_instance_arn: str
    user_id: str
    name: str
    metadata: str | None
    created: dt.datetime
    updated: dt.datetime
    seq: int
    expiration: dict[str, Any] | None = None
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class AppInstanceAdmin:
    user_arn: str
    created: dt.datetime
    seq: int


def app_instance_of(arn: str) -> str | None:
    """The app instance ARN a user/channel/admin ARN belongs to (pure string work), or None."""
    parsed = parse_arn(arn)
    if parsed is None or parsed.service != "chime":
        return None
    resource = parsed.resource.split("/")
    if len(resource) < 2 or resource[0] != "app-instance" or not resource[1]:
        return None
    return arn[:len(arn) - len(parsed.resource)] + f"app-instance/{resource[1]}"


class IdentityBackend(ChimeTagging):
    """App instances, users and admins of one (account, region)."""

    def __init__(self, account_id: str, region: str):
        self.account_id = account_id
        self.region = region
        self.lock = threading.RLock()
        self._tags_lock = self.lock
        self.app_instances: dict[str, AppInstance] = {}
        self.users: dict[str, AppInstanceUser] = {}
        self.admins: dict[str, dict[str, AppInstanceAdmin]] = {}
        self._seq = itertools.count(1)

    # --- lookups used by the operations and by other backends ---------------------------

    def _instance(self, arn: str) -> AppInstance:
        instance = self.app_instances.get(arn)
        if instance is None:
            raise NotFoundException("The requested AppInstance does not exist.")
        return instance

    def _user(self, arn: str) -> AppInstanceUser:
        user = self.users.get(arn)
        if user is None:
            raise NotFoundException("The requested AppInstanceUser does not exist.")
        return user

    def get_user(self, arn: str) -> AppInstanceUser | None:
        with self.lock:
            return self.users.get(arn)

    def is_admin(self, app_instance_arn: str, user_arn: str) -> bool:
        with self.lock:
            return user_arn in self.admins.get(app_instance_arn, {}) and user_arn in self.users

    def has_app_instance(self, app_instance_arn: str) -> bool:
        with self.lock:
            return app_instance_arn in self.app_instances

    # --- app instances -----------------------------------------------------------------

    def create_app_instance(self, Name: str, ClientRequestToken: str, Metadata: str | None = None,
                            Tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
        with self.lock:
            now = utcnow()
            arn = f"arn:aws:chime:{self.region}:{self.account_id}:app-instance/{uuid.uuid4()}"
            self.app_instances[arn] = AppInstance(arn, Name, Metadata, now, now, next(self._seq),
                                                  tag_dict(Tags))
            self.admins[arn] = {}
            return {"AppInstanceArn": arn}

    def describe_app_instance(self, AppInstanceArn: str) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(AppInstanceArn)
            return {"AppInstance": {
                "AppInstanceArn": instance.arn, "Name": instance.name, "Metadata": instance.metadata,
                "CreatedTimestamp": instance.created, "LastUpdatedTimestamp": instance.updated,
            }}

    def list_app_instances(self, MaxResults: int | None = None, NextToken: str | None = None) -> dict[str, Any]:
        with self.lock:
            items = sorted(self.app_instances.values(), key=lambda i: i.seq)
            page, token = paginate(items, key=lambda i: i.seq, max_results=MaxResults, next_token=NextToken,
                                   scope="ListAppInstances")
            return {"AppInstances": [{"AppInstanceArn": i.arn, "Name": i.name, "Metadata": i.metadata} for i in page],
                    "NextToken": token}

    def update_app_instance(self, AppInstanceArn: str, Name: str, Metadata: str) -> dict[str, Any]:
        with self.lock:
            instance = self._instance(AppInstanceArn)
            instance.name, instance.metadata, instance.updated = Name, Metadata, utcnow()
            return {"AppInstanceArn": instance.arn}

    def delete_app_instance(self, AppInstanceArn: str) -> None:
        with self.lock:
            self._instance(AppInstanceArn)
            del self.app_instances[AppInstanceArn]
            self.admins.pop(AppInstanceArn, None)
            for arn in [arn for arn, user in self.users.items() if user.app_instance_arn == AppInstanceArn]:
                del self.users[arn]

    # --- users -------------------------------------------------------------------------

    def create_app_instance_user(self, AppInstanceArn: str, AppInstanceUserId: str, Name: str,
                                 ClientRequestToken: str, Metadata: str | None = None,
                                 Tags: list[dict[str, str]] | None = None,
                                 ExpirationSettings: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.lock:
            self._instance(AppInstanceArn)
            arn = f"{AppInstanceArn}/user/{AppInstanceUserId}"
            if arn in self.users:
                raise ConflictException("An AppInstanceUser with this AppInstanceUserId already exists.")
            now = utcnow()
            self.users[arn] = AppInstanceUser(arn, AppInstanceArn, AppInstanceUserId, Name, Metadata, now, now,
                                              next(self._seq), ExpirationSettings, tag_dict(Tags))
            return {"AppInstanceUserArn": arn}

    def describe_app_instance_user(self, AppInstanceUserArn: str) -> dict[str, Any]:
        with self.lock:
            user = self._user(AppInstanceUserArn)
            return {"AppInstanceUser": {
                "AppInstanceUserArn": user.arn, "Name": user.name, "Metadata": user.metadata,
                "CreatedTimestamp": user.created, "LastUpdatedTimestamp": user.updated,
                "ExpirationSettings": user.expiration,
            }}

    def list_app_instance_users(self, AppInstanceArn: str, MaxResults: int | None = None,
                                NextToken: str | None = None) -> dict[str, Any]:
        with self.lock:
            self._instance(AppInstanceArn)
            items = sorted((u for u in self.users.values() if u.app_instance_arn == AppInstanceArn),
                           key=lambda u: u.seq)
            page, token = paginate(items, key=lambda u: u.seq, max_results=MaxResults, next_token=NextToken,
                                   scope=f"ListAppInstanceUsers:{AppInstanceArn}")
            return {
                "AppInstanceArn": AppInstanceArn,
                "AppInstanceUsers": [{"AppInstanceUserArn": u.arn, "Name": u.name, "Metadata": u.metadata}
                                     for u in page],
                "NextToken": token,
            }

    def update_app_instance_user(self, AppInstanceUserArn: str, Name: str, Metadata: str) -> dict[str, Any]:
        with self.lock:
            user = self._user(AppInstanceUserArn)
            user.name, user.metadata, user.updated = Name, Metadata, utcnow()
            return {"AppInstanceUserArn": user.arn}

    def delete_app_instance_user(self, AppInstanceUserArn: str) -> None:
        with self.lock:
            user = self._user(AppInstanceUserArn)
            del self.users[user.arn]
            self.admins.get(user.app_instance_arn, {}).pop(user.arn, None)

    # --- admins ------------------------------------------------------------------------

    def create_app_instance_admin(self, AppInstanceArn: str, AppInstanceAdminArn: str) -> dict[str, Any]:
        with self.lock:
            self._instance(AppInstanceArn)
            user = self.users.get(AppInstanceAdminArn)
            if user is None or user.app_instance_arn != AppInstanceArn:
                raise NotFoundException("The AppInstanceAdmin must be an existing AppInstanceUser of this AppInstance.")
            admins = self.admins.setdefault(AppInstanceArn, {})
            if user.arn not in admins:
                admins[user.arn] = AppInstanceAdmin(user.arn, utcnow(), next(self._seq))
            return {"AppInstanceAdmin": {"Arn": user.arn, "Name": user.name}, "AppInstanceArn": AppInstanceArn}

    def describe_app_instance_admin(self, AppInstanceArn: str, AppInstanceAdminArn: str) -> dict[str, Any]:
        with self.lock:
            self._instance(AppInstanceArn)
            admin = self.admins.get(AppInstanceArn, {}).get(AppInstanceAdminArn)
            if admin is None:
                raise NotFoundException("The requested AppInstanceAdmin does not exist.")
            return {"AppInstanceAdmin": {
                "Admin": self._identity(admin.user_arn), "AppInstanceArn": AppInstanceArn,
                "CreatedTimestamp": admin.created,
            }}

    def list_app_instance_admins(self, AppInstanceArn: str, MaxResults: int | None = None,
                                 NextToken: str | None = None) -> dict[str, Any]:
        with self.lock:
            self._instance(AppInstanceArn)
            items = sorted(self.admins.get(AppInstanceArn, {}).values(), key=lambda a: a.seq)
            page, token = paginate(items, key=lambda a: a.seq, max_results=MaxResults, next_token=NextToken,
                                   scope=f"ListAppInstanceAdmins:{AppInstanceArn}")
            return {"AppInstanceArn": AppInstanceArn,
                    "AppInstanceAdmins": [{"Admin": self._identity(a.user_arn)} for a in page],
                    "NextToken": token}

    def delete_app_instance_admin(self, AppInstanceArn: str, AppInstanceAdminArn: str) -> None:
        with self.lock:
            self._instance(AppInstanceArn)
            if self.admins.get(AppInstanceArn, {}).pop(AppInstanceAdminArn, None) is None:
                raise NotFoundException("The requested AppInstanceAdmin does not exist.")

    def _identity(self, user_arn: str) -> dict[str, str]:
        user = self.users.get(user_arn)
        return {"Arn": user_arn, "Name": user.name if user else ""}

    # --- tags --------------------------------------------------------------------------

    def _tags_of(self, arn: str) -> dict[str, str]:
        resource = self.app_instances.get(arn) or self.users.get(arn)
        if resource is None:
            raise NotFoundException("The requested resource does not exist.")
        return resource.tags

    def _too_many_tags(self, arn: str) -> BadRequestException:
        return BadRequestException(f"A resource can have at most {MAX_TAGS} tags.")
