"""The local stack's Lambda service: runs a function's handler in a worker process of its service.

Each service gets a small pool of worker processes (telehealth_local.lambda_worker), each of
which imports only that service's app.py, so two Chalice apps never share a process. Like a
Lambda execution environment, a worker runs one invocation at a time; concurrent invocations
use further workers (up to `max_workers` per service, then they queue). A handler that
outlives its timeout gets its worker killed (the environment is discarded, as on AWS) and the
invocation fails with Sandbox.Timedout; a worker that dies is replaced on the next call.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import subprocess  # nosec B404: developer tooling starting our own Python processes
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Mapping

from .lambda_worker import recv_frame, send_frame
from .lambdas import LambdaInvocationError, parse_function

logger = logging.getLogger("telehealth_local.lambda_runtime")

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SERVICES_ROOT = REPO_ROOT / "services"
# Chalice deploys functions with a 60 s timeout unless .chalice/config.json says otherwise.
CHALICE_DEFAULT_TIMEOUT = 60.0
ACCOUNT_ID = "123456789012"


class WorkerDied(Exception):
    """The worker process exited (or closed its socket) before answering."""


class WorkerTimedOut(Exception):
    """The worker did not answer within the allowed time."""


class WorkerLost(WorkerDied):
    """The worker died before it acknowledged the request: the handler never ran."""


class WorkerStartFailed(Exception):
    def __init__(self, error: dict[str, Any]):
        super().__init__(error.get("errorMessage", "the worker could not start"))
        self.error = error


def _recv_with_deadline(sock: socket.socket, deadline: float | None) -> dict[str, Any]:
    timeout = None if deadline is None else max(0.001, deadline - time.monotonic())
    sock.settimeout(timeout)
    try:
        message = recv_frame(sock)
    except socket.timeout as exc:
        raise WorkerTimedOut() from exc
    except (OSError, ValueError) as exc:
        raise WorkerDied(str(exc)) from exc
    if message is None:
        raise WorkerDied("the worker closed its socket")
    return message


class WorkerProcess:
    """One execution environment: a child process that imported one service's app.py."""

    def __init__(self, service: str, service_dir: Path, env: Mapping[str, str]):
        self.service = service
        self.service_dir = service_dir
        self._env = dict(env)
        self._sock: socket.socket | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, startup_timeout: float) -> None:
        parent, child = socket.socketpair()
        try:
            self.process = subprocess.Popen(  # nosec B603: fixed argv of our own programs, no shell
                [sys.executable, "-m", "telehealth_local.lambda_worker",
                 "--service-dir", str(self.service_dir), "--fd", str(child.fileno())],
                pass_fds=[child.fileno()], env=self._env, cwd=str(self.service_dir),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self._sock = parent
        try:
            hello = _recv_with_deadline(parent, time.monotonic() + startup_timeout)
        except (WorkerDied, WorkerTimedOut):
            self.kill()
            raise WorkerStartFailed({"errorType": "Runtime.ExitError",
                                     "errorMessage": f"the {self.service} worker did not start"})
        if hello.get("type") == "fatal":
            self.kill()
            raise WorkerStartFailed(hello.get("error") or {})
        if hello.get("type") != "ready":
            self.kill()
            raise WorkerStartFailed({"errorType": "Runtime.ExitError",
                                     "errorMessage": "unexpected first message from the worker"})

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self._sock is None:
            raise RuntimeError("the worker is not running")
        deadline = time.monotonic() + timeout
        try:
            send_frame(self._sock, request)
            ack = _recv_with_deadline(self._sock, deadline)
        except (OSError, WorkerDied) as exc:
            raise WorkerLost(str(exc)) from exc
        if ack.get("type") != "started" or ack.get("id") != request.get("id"):
            raise WorkerDied("the worker answered out of turn")
        return _recv_with_deadline(self._sock, deadline)

    def kill(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                logger.warning("worker %s did not exit after SIGKILL", self.process.pid)

    def stop(self, timeout: float = 2.0) -> None:
        """Close the socket (the worker exits on EOF); kill it if it lingers."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.process is not None:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()


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
        request = {"type": "invoke", "id": request_id, "request_id": request_id, "function": _function_name(function),
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


def _function_name(function: str) -> str:
    if function.startswith("arn:"):
        parts = function.split(":")
        return parts[6] if len(parts) > 6 else parts[-1]
    return function


def chalice_function_config(service_dir: Path, stage: str, handler: str) -> tuple[float, dict[str, str]]:
    """(timeout seconds, stage environment variables) from the service's .chalice/config.json."""
    from chalice.config import Config

    path = service_dir / ".chalice" / "config.json"
    if not path.is_file():
        return CHALICE_DEFAULT_TIMEOUT, {}
    config_from_disk = json.loads(path.read_text())
    config = Config(chalice_stage=stage, function_name=handler, config_from_disk=config_from_disk)
    timeout = config.lambda_timeout
    return float(timeout or CHALICE_DEFAULT_TIMEOUT), dict(config.environment_variables or {})


class ProcessLambdaInvoker:
    """The LambdaInvoker of the local stack (see telehealth_local.lambdas)."""

    def __init__(self, services_root: Path | str | None = None, env: Mapping[str, str] | None = None,
                 max_workers: int = 4, startup_timeout: float = 30.0, stage: str = "local",
                 deployed: Any = None):
        # Functions deployed by `chalice deploy` for another stage (telehealth_local.deployed_functions).
        self.deployed = deployed
        self.services_root = Path(services_root or os.environ.get("TELEHEALTH_LOCAL_SERVICES_ROOT")
                                  or DEFAULT_SERVICES_ROOT).resolve()
        self._settings: dict[str, str] = dict(env or {})
        self._role_credentials: dict[str, dict[str, str]] = {}
        self._max_workers = max_workers
        self._startup_timeout = startup_timeout
        self._stage = stage
        self._pools: dict[str, ServicePool] = {}
        self._lock = threading.Lock()
        self._closed = False

    def service_dir(self, service: str) -> Path:
        return self.services_root / service

    def set_settings(self, settings: Mapping[str, str]) -> None:
        """The stack's settings (outputs) every worker gets; idle workers are restarted."""
        with self._lock:
            self._settings = dict(settings)
            pools = list(self._pools.values())
        for pool in pools:
            pool.recycle_idle()

    def set_role_credentials(self, credentials: Mapping[str, Mapping[str, str]]) -> None:
        """Each service's role session (AWS_* variables); idle workers restart with the new ones."""
        with self._lock:
            self._role_credentials = {service: dict(values) for service, values in credentials.items()}
            pools = list(self._pools.values())
        for pool in pools:
            pool.recycle_idle()

    def _worker_env(self, service: str) -> dict[str, str]:
        from .bootstrap import service_environment

        env = service_environment({}, os.environ)
        _timeout, chalice_env = chalice_function_config(self.service_dir(service), self._stage, "")
        # Deployed functions get the Chalice stage's variables; the stack's settings win
        # because they name the resources this stack actually created.
        env.update(chalice_env)
        env = service_environment(self._settings, env)
        # A function runs with its role's temporary credentials, never the stack's root keys.
        env.update(self._role_credentials.get(service, {}))
        env.setdefault("AWS_REGION", "us-east-1")
        env.setdefault("AWS_DEFAULT_REGION", env["AWS_REGION"])
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _pool(self, service: str) -> ServicePool:
        with self._lock:
            if self._closed:
                raise LambdaInvocationError(service, "ServiceException", "the Lambda runtime is shutting down")
            pool = self._pools.get(service)
            if pool is None:
                service_dir = self.service_dir(service)
                pool = ServicePool(service, service_dir, lambda: self._worker_env(service),
                                   self._max_workers, self._startup_timeout)
                self._pools[service] = pool
            return pool

    def function_timeout(self, function: str) -> float:
        service, stage, handler = parse_function(function)
        timeout, _env = chalice_function_config(self.service_dir(service), stage, handler)
        return timeout

    def invoke(self, function: str, event: Any, timeout: float | None = None) -> Any:
        if self.deployed is not None:
            handled, result = self.deployed.invoke(function, event, timeout)
            if handled:
                return result
        try:
            service, stage, handler = parse_function(function)
        except ValueError:
            raise LambdaInvocationError(function, "ResourceNotFoundException",
                                        f"the local stack has no code for {_function_name(function)}") from None
        if not (self.service_dir(service) / "app.py").is_file():
            raise LambdaInvocationError(function, "Runtime.ImportModuleError",
                                        f"Unable to import module 'app': no app.py for service {service}")
        if timeout is None:
            timeout = self.function_timeout(function)
        return self._pool(service).invoke(function, handler, event, float(timeout))

    def prewarm(self, services: list[str]) -> list[threading.Thread]:
        threads = []
        for service in services:
            if not (self.service_dir(service) / "app.py").is_file():
                continue
            thread = threading.Thread(target=self._pool(service).prewarm, name=f"prewarm-{service}", daemon=True)
            thread.start()
            threads.append(thread)
        return threads

    def worker_pids(self) -> dict[str, list[int]]:
        with self._lock:
            pools = dict(self._pools)
        pids = {service: pool.pids() for service, pool in pools.items()}
        if self.deployed is not None:
            pids.update(self.deployed.worker_pids())
        return pids

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()
        if self.deployed is not None:
            self.deployed.close()


def install_moto_hook(invoker: Any) -> None:
    """Make moto's Lambda backend run functions through `invoker` instead of Docker.

    moto's LambdaFunction.invoke calls _invoke_lambda(event) and expects
    (payload text, errored, logs); when errored it sets X-Amz-Function-Error, and Step
    Functions then takes the payload's errorType as the task's error name, which is what
    the state machine's Retry/Catch match. Only this process is patched.
    """
    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        if isinstance(event, (str, bytes)):
            event = json.loads(event or "{}")
        try:
            result = invoker.invoke(self.function_arn, {} if event is None else event, timeout=float(self.timeout))
        except LambdaInvocationError as exc:
            logger.info("function %s failed: %s", self.function_name, exc.error_type)
            return json.dumps({"errorType": exc.error_type, "errorMessage": exc.message}), True, ""
        return json.dumps(result), False, ""

    original_invoke = LambdaFunction.invoke

    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
        if invocation_type == "Event":
            # Asynchronous invocation: AWS queues the event and answers 202 at once.
            event = json.loads(body) if body else {}
            threading.Thread(target=_invoke_lambda, args=(self, event), daemon=True,
                             name=f"lambda-event-{self.function_name}").start()
            return ""
        payload = original_invoke(self, body, request_headers, response_headers)
        if response_headers.get("x-amz-function-error") == "Handled":
            # AWS reports an exception raised by a handler as "Unhandled".
            response_headers["x-amz-function-error"] = "Unhandled"
        return payload

    LambdaFunction._invoke_lambda = _invoke_lambda
    LambdaFunction.invoke = invoke
