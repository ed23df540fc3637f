"""Per-(account, region) backend instances (the real services keep state per account and region) and late-set settings."""
from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

B = TypeVar("B")
T = TypeVar("T")


class BackendRegistry(Generic[B]):
    """Lazily creates one backend per (account, region) with `factory(account_id, region)`."""

    def __init__(self, factory: Callable[[str, str], B]):
        self.factory = factory
        self._backends: dict[tuple[str, str], B] = {}
        self._lock = threading.Lock()

    def get(self, account_id: str, region: str) -> B:
        key = (account_id, region)
        with self._lock:
            backend = self._backends.get(key)
            if backend is None:
                backend = self.factory(account_id, region)
                self._backends[key] = backend
            return backend

    def peek(self, account_id: str, region: str) -> B | None:
        """The backend if one exists, without creating it."""
        with self._lock:
            return self._backends.get((account_id, region))

    def items(self) -> list[tuple[tuple[str, str], B]]:
        """Every existing ((account, region), backend), without creating any."""
        with self._lock:
            return list(self._backends.items())

    def all(self) -> list[B]:
        """Every backend created so far."""
        with self._lock:
            return list(self._backends.values())

    def reset(self) -> None:
        """Forget all state (tests)."""
        with self._lock:
            self._backends.clear()


class Setting(Generic[T]):
    """A value known only after the emulator is built (e.g. a port bound later), read by backends."""

    def __init__(self, value: T):
        self._value = value
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            return self._value

    def set(self, value: T) -> None:
        with self._lock:
            self._value = value
