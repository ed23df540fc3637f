"""Runs two independent AWS calls side by side and reports each one's result or error, so the
caller can undo exactly what succeeded."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


@dataclass(frozen=True)
class Result(Generic[T]):
    value: T | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _executor() -> ThreadPoolExecutor:
    # Created on first use, never at import; a few threads serve every request of a process.
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="aws-call")
    return _pool


def _run(call: Callable[[], T]) -> Result[T]:
    try:
        return Result(value=call())
    except Exception as exc:  # reported to the caller, which decides what to undo and raise
        return Result(error=exc)


def both(first: Callable[[], T], second: Callable[[], U]) -> tuple[Result[T], Result[U]]:
    """`second` on a pool thread while `first` runs here; returns when both have finished."""
    future = _executor().submit(_run, second)
    first_result = _run(first)
    return first_result, future.result()
