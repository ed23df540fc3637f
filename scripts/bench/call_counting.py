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


def was(previous: dict[str, tuple[int, str]], action: str, count: int) -> str:
    """'(was 4; +1 audit)': the count before the audit trail and the other trust changes of
    2026-12-01 (issue 12), so a reader sees what each change cost."""
    if action not in previous:
        return ""
    before, why = previous[action]
    if before == count:
        return f"(was {before}{'; ' + why if why else ''})"
    return f"(was {before}; {why})" if why else f"(was {before})"


def print_table(rows: list[tuple[str, int, str, str]], previous: dict[str, tuple[int, str]] | None = None) -> None:
    """One line per action; with `previous` (action -> (former count, why)) the former count
    is shown beside the new one."""
    width = max(len(r[0]) for r in rows)
    print(f"{'action':<{width}} | calls | operations | reference system")
    print(f"{'-' * width}-|-------|------------|-----------------")
    for action, count, detail, reference in rows:
        note = was(previous or {}, action.rsplit(" [", 1)[0], count)
        shown = f"{count:>5}" + (f" {note}" if note else "")
        print(f"{action:<{width}} | {shown} | {detail} | {reference}")
