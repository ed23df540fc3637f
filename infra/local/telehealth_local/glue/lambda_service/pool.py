"""The execution environments of one service: reused when idle, started on demand up to a limit, discarded on failure."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from ...lambdas import LambdaInvocationError, bare_function_name
from ...layout import ACCOUNT_ID
from .environment import WorkerDied, WorkerLost, WorkerProcess, WorkerStartFailed, WorkerTimedOut

logger = logging.getLogger("telehealth_local.lambda_runtime")


class ServicePool:
    """The execution environments of one service."""

    def __init__(self, service: str, service_dir: Path, env_factory: Callable[[], dict[str, str]],
                 max_workers: int, startup_timeout: float):
        self.service = service
        self.service_dir = service_dir
        self._env_factory = env_factory
        self._max_workers = max_workers
        self._startup_timeout = startup_timeout
        self._idle: list[WorkerProcess] = []
        self._busy: set[WorkerProcess] = set()
        self._starting = 0
        self._prewarming = 0
        self._awaiting_prewarm = 0
        self._closed = False
        self._cond = threading.Condition()

    def _acquire(self, deadline: float) -> WorkerProcess:
        with self._cond:
            while True:
                if self._closed:
                    raise WorkerDied("the Lambda runtime is shutting down")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive():
                        self._busy.add(worker)
                        return worker
                    worker.kill()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WorkerTimedOut()
                if self._prewarming > self._awaiting_prewarm:
                    # An environment being prewarmed will be idle soon: wait for it rather
                    # than pay for another cold start.
                    self._awaiting_prewarm += 1
                    try:
                        self._cond.wait(remaining)
                    finally:
                        self._awaiting_prewarm -= 1
                    continue
                if len(self._busy) + self._starting < self._max_workers:
                    self._starting += 1
                    break
                self._cond.wait(remaining)
        worker = WorkerProcess(self.service, self.service_dir, self._env_factory())
        try:
            worker.start(self._startup_timeout)
        finally:
            with self._cond:
                self._starting -= 1
                self._cond.notify_all()
        with self._cond:
            if self._closed:
                worker.kill()
                raise WorkerDied("the Lambda runtime is shutting down")
            self._busy.add(worker)
        return worker

    def _release(self, worker: WorkerProcess, reusable: bool) -> None:
        with self._cond:
            self._busy.discard(worker)
            if reusable and not self._closed and worker.alive():
                self._idle.append(worker)
            else:
                worker.kill()
            self._cond.notify_all()

    def prewarm(self) -> None:
        """Start one environment ahead of the first invocation (cold starts cost ~1 s)."""
        with self._cond:
            if self._idle or self._busy or self._starting or self._closed:
                return
            self._starting += 1
            self._prewarming += 1
        worker = WorkerProcess(self.service, self.service_dir, self._env_factory())
        started = False
        try:
            worker.start(self._startup_timeout)
            started = True
        except WorkerStartFailed as exc:
            logger.error("prewarming %s failed: %s", self.service, exc.error.get("errorType"))
        finally:
            with self._cond:
                self._starting -= 1
                self._prewarming -= 1
                if started and not self._closed:
                    self._idle.append(worker)
                elif started:
                    worker.kill()
                self._cond.notify_all()

    def invoke(self, function: str, handler: str, event: Any, timeout: float) -> Any:
        request_id = str(uuid.uuid4())
        request = {"type": "invoke", "id": request_id, "request_id": request_id, "function": bare_function_name(function),
                   "handler": handler, "event": event, "timeout_ms": int(timeout * 1000), "account_id": ACCOUNT_ID}
        for attempt in range(3):
            worker = self._worker_for(function, timeout)
            try:
                response = worker.call(request, timeout)
            except WorkerLost:
                # An idle environment that had died (killed, crashed between calls): the
                # handler never saw this request, so another environment may run it.
                self._release(worker, reusable=False)
                if attempt == 2:
                    raise LambdaInvocationError(function, "ServiceException",
                                                f"the {self.service} environments keep dying") from None
                continue
            except BaseException as exc:
                self._fail(worker, function, request_id, timeout, exc)
                raise
            break
        self._release(worker, reusable=True)
        if response.get("ok"):
            return response.get("payload")
        error = response.get("error") or {}
        raise LambdaInvocationError(function, str(error.get("errorType") or "Exception"),
                                    str(error.get("errorMessage") or ""))

    def _worker_for(self, function: str, timeout: float) -> WorkerProcess:
        # Waiting for a free environment is bounded by the start-up allowance plus the
        # invocation's own timeout; the handler's run time alone is what `timeout` limits.
        try:
            return self._acquire(time.monotonic() + self._startup_timeout + timeout)
        except WorkerStartFailed as exc:
            raise LambdaInvocationError(function, exc.error.get("errorType", "Runtime.ExitError"),
                                        exc.error.get("errorMessage", "the function could not start")) from None
        except WorkerTimedOut:
            raise LambdaInvocationError(function, "TooManyRequestsException",
                                        f"every {self.service} environment stayed busy") from None
        except WorkerDied as exc:
            raise LambdaInvocationError(function, "ServiceException", str(exc)) from None

    def _fail(self, worker: WorkerProcess, function: str, request_id: str, timeout: float,
              exc: BaseException) -> None:
        """Discard the environment an invocation failed in; raise the invocation's error."""
        self._release(worker, reusable=False)
        if isinstance(exc, WorkerTimedOut):
            raise LambdaInvocationError(
                function, "Sandbox.Timedout",
                f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds") from None
        if isinstance(exc, WorkerDied):
            raise LambdaInvocationError(
                function, "Runtime.ExitError",
                f"RequestId: {request_id} Error: Runtime exited without providing a reason") from None

    def recycle_idle(self) -> None:
        """Drop idle environments (their settings are stale)."""
        with self._cond:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in [*self._idle, *self._busy] if w.pid is not None]

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._idle = []
            self._busy = set()
            self._cond.notify_all()
        for worker in workers:
            worker.stop(timeout=1.0)
