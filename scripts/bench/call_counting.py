"""Counts the AWS calls one user action makes and prints the table the call benchmarks share."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import Iterator

from telehealth_shared import aws


@contextmanager
def counted_calls() -> Iterator[Counter[str]]:
    """Every AWS operation made by the shared client factory inside the block, by name."""
    calls: Counter[str] = Counter()

    def listener(service: str, operation: str) -> None:
        calls[operation] += 1

    aws.add_call_listener(listener)
    try:
        yield calls
    finally:
        aws.remove_call_listener(listener)


def describe(calls: Counter[str]) -> tuple[int, str]:
    """(total calls, 'GetItem, SendChannelMessage×2')."""
    return sum(calls.values()), ", ".join(f"{op}×{n}" if n > 1 else op for op, n in calls.items())


def print_table(rows: list[tuple[str, int, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'action':<{width}} | calls | operations | reference system")
    print(f"{'-' * width}-|-------|------------|-----------------")
    for action, count, detail, reference in rows:
        print(f"{action:<{width}} | {count:>5} | {detail} | {reference}")
