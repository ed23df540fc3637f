"""Counts the AWS calls one user action makes and prints the table the call benchmarks share."""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from typing import Iterator

from telehealth_shared import aws


class CallLog(Counter):
    """Operation counts, plus when each call ran (for the critical path)."""

    def __init__(self) -> None:
        super().__init__()
        self.intervals: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def critical_path(self) -> int:
        """The longest chain of calls each starting after the previous one ended: the sequential
        round trips an action waits for (calls made concurrently count once)."""
        depth: list[tuple[float, int]] = []  # (end, chain length ending with that call)
        best = 0
        for start, end in sorted(self.intervals, key=lambda pair: pair[1]):
            chain = 1 + max((length for ended, length in depth if ended <= start), default=0)
            depth.append((end, chain))
            best = max(best, chain)
        return best


@contextmanager
def counted_calls() -> Iterator[CallLog]:
    """Every AWS operation made by the shared client factory inside the block, by name."""
    calls = CallLog()

    def listener(service: str, operation: str) -> None:
        with calls._lock:
            calls[operation] += 1

    def timing(service: str, operation: str, started: float, ended: float) -> None:
        with calls._lock:
            calls.intervals.append((started, ended))

    aws.add_call_listener(listener)
    aws.add_timing_listener(timing)
    try:
        yield calls
    finally:
        aws.remove_call_listener(listener)
        aws.remove_timing_listener(timing)


def describe(calls: CallLog) -> tuple[int, str]:
    """(total calls, 'GetItem, SendChannelMessage×2; critical path 2')."""
    detail = ", ".join(f"{op}×{n}" if n > 1 else op for op, n in calls.items())
    if calls.intervals:
        detail += f"; critical path {calls.critical_path()}"
    return sum(calls.values()), detail


def print_table(rows: list[tuple[str, int, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'action':<{width}} | calls | operations | reference system")
    print(f"{'-' * width}-|-------|------------|-----------------")
    for action, count, detail, reference in rows:
        print(f"{action:<{width}} | {count:>5} | {detail} | {reference}")
