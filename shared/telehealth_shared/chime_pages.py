"""Follows the NextToken of a Chime list call (ListAttendees, ListChannelMessages) one way for
every service: a bounded MaxResults a call, from the caller's page token, up to a limit."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .aws_errors import is_bad_request
from .errors import DomainError


@dataclass(frozen=True)
class Listed:
    """What the pages held, in Chime's order, and the token of the page after them (None at the end)."""

    items: list[dict[str, Any]]
    next_token: str | None


def list_pages(call: Callable[..., Mapping[str, Any]], request: Mapping[str, Any], key: str, *, page_size: int,
               limit: int | None = None, next_token: str | None = None,
               bad_token: DomainError | None = None) -> Listed:
    """The items `call(**request)` lists under `key`, page after page from `next_token`, asking
    for at most `page_size` a call and `limit` in all (None: to the last page).

    The caller's own token is the only input of a list call a caller controls, so a Chime
    BadRequest for it raises `bad_token` (when given); any other failure is raised as it is.
    """
    items: list[dict[str, Any]] = []
    token = next_token
    remaining = limit
    while True:
        batch = page_size if remaining is None else min(remaining, page_size)
        kwargs: dict[str, Any] = {**request, "MaxResults": batch}
        if token:
            kwargs["NextToken"] = token
        try:
            response = call(**kwargs)
        except Exception as exc:
            if bad_token is not None and token is not None and token == next_token and is_bad_request(exc):
                raise bad_token from exc
            raise
        items.extend(response.get(key, []))
        token = response.get("NextToken")
        if remaining is not None:
            remaining -= batch
        if not token or (remaining is not None and remaining <= 0):
            return Listed(items, token or None)
