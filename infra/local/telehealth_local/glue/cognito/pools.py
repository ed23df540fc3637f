"""Finds user pools, app clients and users in moto's Cognito backends, and reads what Cognito keeps on them."""
from __future__ import annotations

from typing import Any, Iterator

from moto.cognitoidp.models import cognitoidp_backends


def _user_pools() -> Iterator[Any]:
    """Every user pool in moto's backends (each account and region; moto's "global" holds none)."""
    for account_backends in list(cognitoidp_backends.values()):
        for region, backend in list(account_backends.items()):
            if region != "global":
                yield from list(backend.user_pools.values())


def pool_for_client(client_id: Any) -> tuple[Any, Any] | tuple[None, None]:
    """(user pool, app client) in moto's backends for an app client id."""
    if not isinstance(client_id, str):
        return None, None
    for pool in _user_pools():
        client = pool.clients.get(client_id)
        if client is not None:
            return pool, client
    return None, None


def client_for_access_token(token: Any) -> Any:
    """The app client that issued an access token (moto keeps token -> (client id, user))."""
    if not isinstance(token, str):
        return None
    for pool in _user_pools():
        entry = pool.access_tokens.get(token)
        if entry is not None:
            return pool.clients.get(entry[0])
    return None


def pool_by_id(pool_id: Any) -> Any:
    if not isinstance(pool_id, str):
        return None
    return next((pool for pool in _user_pools() if pool.id == pool_id), None)


def hides_existence(client: Any) -> bool:
    return (client.extended_config or {}).get("PreventUserExistenceErrors") == "ENABLED"


def mark_email_verified(user: Any) -> None:
    # Confirming with the code Cognito e-mailed verifies that address.
    if user.attribute_lookup.get("email"):
        user.update_attributes([{"Name": "email_verified", "Value": "true"}])


def user_status(user: Any) -> str:
    status = getattr(user, "status", None)
    return getattr(status, "value", None) or str(status)
