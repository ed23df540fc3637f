"""Finds the secret (and account, session token, session policy) behind an access key id, so the
session server can check SigV4 signatures made with the local static keys or moto's STS keys."""
from __future__ import annotations

import datetime
import sys
from dataclasses import dataclass
from typing import Iterable, Protocol

from ..layout import ACCOUNT_ID, CREDENTIALS

DEFAULT_ACCESS_KEY_ID = CREDENTIALS["AWS_ACCESS_KEY_ID"]
DEFAULT_SECRET_ACCESS_KEY = CREDENTIALS["AWS_SECRET_ACCESS_KEY"]


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    account_id: str
    # Temporary credentials are only valid together with their token.
    session_token: str | None = None
    # The inline session policy passed to AssumeRole (JSON text); it narrows what the
    # credentials may do, so the server enforces it for chime:Connect.
    session_policy: str | None = None
    expires_at: datetime.datetime | None = None


class CredentialResolver(Protocol):
    def __call__(self, access_key_id: str) -> Credentials | None: ...


def static_resolver(
    access_key_id: str = DEFAULT_ACCESS_KEY_ID,
    secret_access_key: str = DEFAULT_SECRET_ACCESS_KEY,
    account_id: str = ACCOUNT_ID,
) -> CredentialResolver:
    """One fixed long-term key pair (locally testing/testing in the stack's account)."""
    credentials = Credentials(access_key_id, secret_access_key, account_id)

    def resolve(key_id: str) -> Credentials | None:
        return credentials if key_id == access_key_id else None

    return resolve


def moto_resolver(access_key_id: str) -> Credentials | None:
    """Keys issued by moto in this process: STS AssumeRole sessions first, then IAM user keys.

    moto is only consulted when its STS/IAM models are already loaded: if they are not, moto
    cannot have issued any key, and importing it here would cost a second of start-up.
    """
    if "moto.sts.models" in sys.modules:
        from moto.sts.models import sts_backends

        for account_id, partitions in list(sts_backends.items()):
            for backend in list(partitions.values()):
                role = backend.get_assumed_role_from_access_key(access_key_id)
                if role is not None:
                    return Credentials(
                        access_key_id=role.access_key_id,
                        secret_access_key=role.secret_access_key,
                        account_id=role.account_id,
                        session_token=role.session_token,
                        session_policy=role.policy or None,
                        expires_at=_aware(role.expiration),
                    )
    if "moto.iam.models" in sys.modules:
        from moto.iam.models import iam_backends

        for account_id, partitions in list(iam_backends.items()):
            for backend in list(partitions.values()):
                key = backend.access_keys.get(access_key_id)
                # Temporary keys live here too (role_arn set) but are only valid with the
                # session token that the STS branch above checks.
                if key is not None and key.role_arn is None and key.status == "Active":
                    return Credentials(access_key_id, key.secret_access_key, account_id)
    return None


def chain(resolvers: Iterable[CredentialResolver]) -> CredentialResolver:
    """The first resolver that knows the key wins."""
    ordered = list(resolvers)

    def resolve(access_key_id: str) -> Credentials | None:
        for resolver in ordered:
            found = resolver(access_key_id)
            if found is not None:
                return found
        return None

    return resolve


def default_resolver() -> CredentialResolver:
    return chain([static_resolver(), moto_resolver])


def _aware(moment: datetime.datetime) -> datetime.datetime:
    # moto keeps naive UTC datetimes.
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)

