"""Undo steps of a multi-call operation that failed part-way: each runs even if another fails."""
from __future__ import annotations

import logging
from typing import Callable, NoReturn

from telehealth_shared.aws_errors import error_code, is_aws_failure, translate
from telehealth_shared.errors import DomainError
from telehealth_shared.log import log_event

logger = logging.getLogger("telehealth.scheduling.compensation")


class Compensations:
    """A stack of undo steps, run newest first; an undo that fails is logged and the rest
    still run, and the error that caused the rollback is the one the caller sees."""

    def __init__(self, operation: str, appointment_id: str):
        self._operation = operation
        self._appointment_id = appointment_id
        self._steps: list[tuple[str, Callable[[], None]]] = []

    def push(self, action: str, step: Callable[[], None]) -> None:
        self._steps.append((action, step))

    @property
    def pending(self) -> int:
        return len(self._steps)

    def run(self) -> bool:
        """Undo everything pushed so far; True when every undo step succeeded."""
        complete = True
        while self._steps:
            action, step = self._steps.pop()
            try:
                step()
            except Exception as exc:
                complete = False
                log_event(logger, "compensation_failed", logging.ERROR, operation=self._operation,
                          action=action, appointment_id=self._appointment_id,
                          error_type=type(exc).__name__, aws_code=error_code(exc))
        return complete

    def roll_back(self, exc: BaseException) -> NoReturn:
        """Undo everything, then raise what the caller sees: a domain error as it is, an AWS
        failure as the dependency's 429/503 (nothing was changed), anything else unchanged."""
        self.run()
        if is_aws_failure(exc) and not isinstance(exc, DomainError):
            raise translate(exc) from exc
        raise exc

    def clear(self) -> None:
        self._steps.clear()
