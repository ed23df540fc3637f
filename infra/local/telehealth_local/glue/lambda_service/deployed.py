"""Finds the code and configuration of a function deployed to the local stack (by `chalice deploy`) and unpacks its zip for a Lambda worker.

The local stack's own functions (its stage, placeholder zips) run from services/; a service
function of any other stage runs exactly what was deployed: the zip moto holds, its handler, timeout and
environment variables, as a Lambda execution environment would.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ...lambdas import LambdaInvocationError, bare_function_name
from ...layout import ACCOUNT_ID, CREDENTIALS, REGION
from .pool import ServicePool


# What `chalice deploy` names our services' functions: <app_name>-<stage>[-<function>]; any
# other name keeps failing with ResourceNotFoundException (the stack has no code for it).
CHALICE_FUNCTION = re.compile(r"^telehealth-(identity|scheduling|messaging|calling)-(?P<stage>[A-Za-z0-9_]+)(-\w+)?$")


@dataclass(frozen=True)
class DeployedFunction:
    name: str
    handler: str  # the attribute of app.py ("app" for Chalice's API handler, "send_reminder", ...)
    timeout: float
    environment: dict[str, str]
    code_sha256: str
    code_bytes: bytes

    @property
    def fingerprint(self) -> str:
        """Changes when the code or the configuration changes (then the environments are replaced)."""
        config = json.dumps([self.handler, self.timeout, self.environment], sort_keys=True)
        return hashlib.sha256((self.code_sha256 + config).encode()).hexdigest()[:16]


class DeployedCode:
    """Deployed functions of stages other than `own_stage`, unpacked under `base_dir`."""

    def __init__(self, base_dir: Path, own_stage: str):
        self.base_dir = Path(base_dir)
        self.own_stage = own_stage
        self._lock = threading.Lock()

    def lookup(self, function: str) -> DeployedFunction | None:
        """The deployed function, or None when the stack runs it from services/ (its own stage,
        a name that is not a telehealth function, or no such function in Lambda)."""
        name = bare_function_name(function)
        match = CHALICE_FUNCTION.match(name)
        if match is None or match["stage"] == self.own_stage:
            return None
        from moto.awslambda.models import lambda_backends
        from moto.awslambda.exceptions import UnknownFunctionException

        try:
            fn = lambda_backends[ACCOUNT_ID][REGION].get_function(name)
        except UnknownFunctionException:
            return None
        if not fn.code_bytes:
            return None
        module, _, attribute = (fn.handler or "").partition(".")
        if module != "app" or not attribute:
            # Every service's functions live in app.py (Chalice's layout); anything else the
            # local stack cannot run, and says so rather than guessing.
            return DeployedFunction(name, "", float(fn.timeout), {}, fn.code_sha_256, b"")
        return DeployedFunction(name, attribute, float(fn.timeout), dict(fn.environment_vars or {}),
                                fn.code_sha_256, fn.code_bytes)

    def code_dir(self, function: DeployedFunction) -> Path:
        """The function's zip unpacked (once per code version), as Lambda's /var/task."""
        target = self.base_dir / function.name / function.code_sha256.replace("/", "_").replace("+", "-")[:32]
        with self._lock:
            if not (target / ".unpacked").is_file():
                target.mkdir(parents=True, exist_ok=True)
                with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
                    for member in archive.namelist():
                        destination = (target / member).resolve()
                        if not destination.is_relative_to(target.resolve()):
                            raise ValueError(f"{function.name}: zip entry {member!r} leaves the code folder")
                    archive.extractall(target)
                (target / ".unpacked").write_text(function.code_sha256)
        return target


def deployed_environment(function: DeployedFunction, base: Mapping[str, str], endpoint_url: str | None) -> dict[str, str]:
    """What a Lambda environment sees: the runtime's own variables plus the function's.

    Only the endpoint is local: AWS_ENDPOINT_URL stands for Lambda's regional endpoints, and the
    Cognito JWKS document (an https URL on AWS, unreachable offline) is served by moto on the
    endpoint, so TELEHEALTH_JWKS_URL points there unless the function sets it itself.
    """
    env = {name: value for name, value in base.items()
           if not name.startswith(("TELEHEALTH_", "AWS_")) and name != "PYTHONPATH"}
    env.update(CREDENTIALS)
    env.update({"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
                "PYTHONUNBUFFERED": "1"})
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    env.update(function.environment)
    pool = function.environment.get("TELEHEALTH_USER_POOL_ID")
    if endpoint_url and pool and not function.environment.get("TELEHEALTH_JWKS_URL"):
        env["TELEHEALTH_JWKS_URL"] = f"{endpoint_url}/{pool}/.well-known/jwks.json"
    return env


class DeployedFunctions:
    """Runs deployed functions in worker pools of their own, one per function and code version."""

    def __init__(self, code: DeployedCode, base_env: Mapping[str, str], max_workers: int = 2,
                 startup_timeout: float = 30.0):
        self.code = code
        self._base_env = dict(base_env)
        self._endpoint_url: str | None = None
        self._max_workers = max_workers
        self._startup_timeout = startup_timeout
        self._pools: dict[str, tuple[str, ServicePool]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def set_endpoint(self, endpoint_url: str) -> None:
        self._endpoint_url = endpoint_url

    def invoke(self, function: str, event: Any, timeout: float | None) -> tuple[bool, Any]:
        """(True, result) when `function` is a deployed one, else (False, None) for the caller to run."""
        deployed = self.code.lookup(function)
        if deployed is None:
            return False, None
        if not deployed.handler:
            raise LambdaInvocationError(function, "Runtime.ImportModuleError",
                                        "the local stack runs handlers of app.py only")
        pool = self._pool(deployed)
        return True, pool.invoke(deployed.name, deployed.handler, event,
                                 float(timeout if timeout is not None else deployed.timeout))

    def _pool(self, function: DeployedFunction) -> ServicePool:
        code_dir = self.code.code_dir(function)
        env = deployed_environment(function, self._base_env, self._endpoint_url)
        with self._lock:
            if self._closed:
                raise LambdaInvocationError(function.name, "ServiceException", "the Lambda runtime is shutting down")
            current = self._pools.get(function.name)
            if current is not None and current[0] == function.fingerprint:
                return current[1]
            pool = ServicePool(function.name, code_dir, lambda: dict(env), self._max_workers, self._startup_timeout)
            self._pools[function.name] = (function.fingerprint, pool)
        if current is not None:  # a new version was deployed: its old environments end
            current[1].close()
        return pool

    def worker_pids(self) -> dict[str, list[int]]:
        with self._lock:
            pools = {name: pool for name, (_fp, pool) in self._pools.items()}
        return {name: pool.pids() for name, pool in pools.items()}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools = [pool for _fp, pool in self._pools.values()]
            self._pools = {}
        for pool in pools:
            pool.close()
