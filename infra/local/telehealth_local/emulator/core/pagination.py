"""Opaque NextToken pagination: a token is a cursor (the sort key of the last item returned), not an offset.

Tokens are URL-safe base64 of {"v": 1, "s": <scope>, "k": <key>}; the scope ties a token to
one listing (operation and its filters), so a token from another listing, or garbage, is a
BadRequest. Keys must be JSON values that sort (ints, strings, lists of those).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any, Callable, Sequence, TypeVar

from .errors import bad_request

T = TypeVar("T")

MAX_TOKEN_LENGTH = 2048


def _scope_digest(scope: str) -> str:
    return hashlib.sha256(scope.encode("utf-8")).hexdigest()[:16]


def encode_token(scope: str, key: Any) -> str:
    raw = json.dumps({"v": 1, "s": _scope_digest(scope), "k": key}, separators=(",", ":")).encode("utf-8")
    token = base64.urlsafe_b64encode(raw).decode("ascii")
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError("pagination key too large for a NextToken")
    return token


def decode_token(scope: str, token: str) -> Any:
    try:
        document = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise bad_request("Invalid NextToken.") from None
    if not isinstance(document, dict) or document.get("v") != 1 or "k" not in document:
        raise bad_request("Invalid NextToken.")
    if document.get("s") != _scope_digest(scope):
        raise bad_request("NextToken does not belong to this request.")
    return document["k"]


def paginate(
    items: Sequence[T],
    *,
    key: Callable[[T], Any],
    max_results: int | None,
    next_token: str | None,
    scope: str,
    default_max: int = 50,
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """One page of `items` (already in output order by `key`) and the token for the next, if any.

    `descending` says which way `items` are ordered, so a cursor still works when items are
    inserted or removed between pages.
    """
    start = 0
    if next_token:
        after = decode_token(scope, next_token)
        for start, item in enumerate(items):
            item_key = key(item)
            if (item_key < after) if descending else (item_key > after):
                break
        else:
            start = len(items)
    limit = max_results if max_results is not None else default_max
    page = list(items[start:start + limit])
    more = start + limit < len(items)
    return page, (encode_token(scope, key(page[-1])) if more and page else None)
