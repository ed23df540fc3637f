"""The local stack's Lambda service: runs a function's handler in a worker process of its service.

Each service gets a small pool of worker processes (telehealth_local.glue.lambda_service.worker), each of
which imports only that service's app.py, so two Chalice apps never share a process. Like a
Lambda execution environment, a worker runs one invocation at a time; concurrent invocations
use further workers (up to `max_workers` per service, then they queue). A handler that
outlives its timeout gets its worker killed (the environment is discarded, as on AWS) and the
invocation fails with Sandbox.Timedout; a worker that dies is replaced on the next call.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Mapping

from ...lambdas import LambdaInvocationError, bare_function_name, parse_function
from ...layout import REGION, SERVICES_ROOT
from ...outputs import service_environment
from .chalice_config import chalice_function_config
from .pool import ServicePool


class ProcessLambdaInvoker:
    """The LambdaInvoker of the local stack (see telehealth_local.lambdas)."""

    def __init__(self, services_root: Path | str | None = None, env: Mapping[str, str] | None = None,
                 max_workers: int = 4, startup_timeout: float = 30.0, stage: str = "local",
                 deployed: Any = None):
        # Functions deployed by `chalice deploy` for another stage (telehealth_local.glue.lambda_service.deployed).
        self.deployed = deployed
        self.services_root = Path(services_root or os.environ.get("TELEHEALTH_LOCAL_SERVICES_ROOT")
                                  or SERVICES_ROOT).resolve()
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
        env = service_environment({}, os.environ)
        _timeout, chalice_env = chalice_function_config(self.service_dir(service), self._stage, "")
        # Deployed functions get the Chalice stage's variables; the stack's settings win
        # because they name the resources this stack actually created.
        env.update(chalice_env)
        env = service_environment(self._settings, env)
        # A function runs with its role's temporary credentials, never the stack's root keys.
        env.update(self._role_credentials.get(service, {}))
        env.setdefault("AWS_REGION", REGION)
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
                                        f"the local stack has no code for {bare_function_name(function)}") from None
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
