"""The phone-call limit: at most MAX_CALLS calls per appointment in any WINDOW_SECONDS, counted on
the appointment item itself (Lambdas are many, so no process can count alone).

The item keeps the times of the calls still inside the window and a counter that every
change bumps; a slot is taken by a conditional UpdateItem against the counter that was read,
so concurrent requests cannot both take the last slot: the loser reads again and decides anew.
"""
from __future__ import annotations

import math
import time
from typing import Any

from telehealth_shared.appointment_item import calling_write, key
from telehealth_shared.appointment_records import deserialize_item
from telehealth_shared.aws import AwsClients
from telehealth_shared.aws_errors import condition_failed_item, is_condition_failed
from telehealth_shared.config import Settings
from telehealth_shared.errors import NotFound, TooManyRequests
from telehealth_shared.item_update import Update, attr

MAX_CALLS = 3
WINDOW_SECONDS = 10 * 60
CALLS = "phone_calls_placed"  # epoch milliseconds of the calls inside the window
COUNTER = "phone_calls_version"
_ATTEMPTS = 8


def take_slot(clients: AwsClients, settings: Settings, appointment_id: str, attributes: dict[str, Any],
              now: float | None = None) -> int:
    """Record one more call now, or raise TooManyRequests with the seconds until the oldest call
    of the window leaves it. `attributes` is the item as the caller read it. Returns the
    recorded time (ms). AWS calls: one UpdateItem, one more per concurrent request that won."""
    current = attributes
    for _ in range(_ATTEMPTS):
        moment = time.time() if now is None else now
        stamp = int(moment * 1000)
        window_start = stamp - WINDOW_SECONDS * 1000
        recent = sorted(int(t) for t in current.get(CALLS) or () if int(t) > window_start)
        if len(recent) >= MAX_CALLS:
            wait = math.ceil((recent[0] + WINDOW_SECONDS * 1000 - stamp) / 1000)
            raise TooManyRequests(f"At most {MAX_CALLS} phone calls per appointment in {WINDOW_SECONDS // 60} "
                                  "minutes; try again later.", retry_after=max(1, wait))
        counter = int(current.get(COUNTER) or 0)
        check = attr(COUNTER).eq(counter) if counter else attr(COUNTER).not_exists()
        try:
            calling_write(clients, settings, appointment_id, Update(set={CALLS: recent + [stamp], COUNTER: counter + 1}),
                          condition=attr("appointment_id").exists() & check, old_on_failure=True)
            return stamp
        except Exception as exc:
            if not is_condition_failed(exc):
                raise
            item = condition_failed_item(exc)
            if item is None:
                item = clients.dynamodb.get_item(TableName=settings.require("appointments_table"),
                                                 Key=key(appointment_id), ConsistentRead=True).get("Item")
            if item is None:
                raise NotFound() from exc
            current = deserialize_item(item)
    raise TooManyRequests("Too many phone calls at once for this appointment; try again shortly.", retry_after=1)


def give_back_slot(clients: AwsClients, settings: Settings, appointment_id: str, stamp: int) -> None:
    """Remove the call recorded at `stamp` (its dial failed, nothing rang), with the same
    counter check as take_slot; a slot that cannot be given back just lapses with the window."""
    table = settings.require("appointments_table")
    for _ in range(_ATTEMPTS):
        item = clients.dynamodb.get_item(TableName=table, Key=key(appointment_id), ConsistentRead=True).get("Item")
        current = deserialize_item(item) if item else {}
        calls = [int(t) for t in current.get(CALLS) or ()]
        counter = int(current.get(COUNTER) or 0)
        if stamp not in calls or not counter:
            return
        calls.remove(stamp)
        try:
            calling_write(clients, settings, appointment_id, Update(set={CALLS: calls, COUNTER: counter + 1}),
                          condition=attr(COUNTER).eq(counter))
            return
        except Exception as exc:
            if not is_condition_failed(exc):
                raise
