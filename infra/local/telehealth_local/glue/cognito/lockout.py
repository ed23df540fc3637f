"""Cognito's sign-in lockout after repeated failures (moto has none)."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from .responses import CognitoError

LOCKOUT_AFTER_FAILURES = 5
LOCKOUT_MAX_SECONDS = 900.0


class SignInLockout:
    """Consecutive failed sign-ins per (app client id, username), and how long each is locked."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        # (client id, username) -> (consecutive failed sign-ins, locked until)
        self._failures: dict[tuple[str, str], tuple[int, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(params: dict[str, Any]) -> tuple[str, str] | None:
        if params.get("AuthFlow") != "USER_PASSWORD_AUTH":
            return None
        username = (params.get("AuthParameters") or {}).get("USERNAME")
        if not isinstance(username, str):
            return None
        return str(params.get("ClientId")), username.strip().lower()

    def refuse_if_locked(self, key: tuple[str, str]) -> None:
        """Cognito's documented lockout: from the fifth consecutive failure on, the user is
        locked for 1 s, doubling with each further failure up to about 15 minutes; attempts
        while locked fail (even with the right password) and count as failures."""
        with self._lock:
            failures, locked_until = self._failures.get(key, (0, 0.0))
            if self._clock() < locked_until:
                failures += 1
                self._failures[key] = (failures, self._deadline(failures))
                raise CognitoError("NotAuthorizedException", "Password attempts exceeded")

    def count(self, key: tuple[str, str], *, failed: bool, succeeded: bool) -> None:
        with self._lock:
            if succeeded:
                self._failures.pop(key, None)
            elif failed:
                failures = self._failures.get(key, (0, 0.0))[0] + 1
                self._failures[key] = (failures, self._deadline(failures))

    def _deadline(self, failures: int) -> float:
        if failures < LOCKOUT_AFTER_FAILURES:
            return 0.0
        return self._clock() + min(LOCKOUT_MAX_SECONDS, 2.0 ** (failures - LOCKOUT_AFTER_FAILURES))

    def tracked(self) -> dict[tuple[str, str], tuple[int, float]]:
        with self._lock:
            return dict(self._failures)
