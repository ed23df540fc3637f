"""Runs terraform for the infra tests and serves an AWS endpoint they can apply to (shared by conftest and the tests)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from deploy import hcl_literal  # noqa: E402  (the deploy path's -var rendering, so the tests pass values alike)

TERRAFORM_DIR = ROOT / "infra" / "terraform"
LOCAL_ROOT = TERRAFORM_DIR / "local"
PLUGIN_DIR = os.environ.get("TF_PLUGIN_DIR", "/opt/tf-plugins")
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
# Per terraform command; an apply against the local endpoint takes well under a minute.
COMMAND_TIMEOUT = 240
# Connection-level failures (a reused keep-alive connection closing under load), not API errors.
_TRANSIENT = ("use of closed network connection", "connection reset by peer", "broken pipe", ": EOF")


@dataclass
class Terraform:
    """Runs terraform for one root module with its own data dir, so tests never share state."""

    binary: str
    root: Path
    data_dir: Path
    env: dict[str, str]
    variables: dict[str, Any] = field(default_factory=dict)

    def run(self, *args: str, check: bool = True, timeout: int = COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [self.binary, *args], cwd=self.root, env=self.env, capture_output=True, text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args[:1])} failed ({result.returncode}) in {self.root}:\n"
                f"{_tail(result.stderr)}\n{_tail(result.stdout)}"
            )
        return result

    def var_args(self, **overrides: Any) -> list[str]:
        values = {**self.variables, **overrides}
        return [f"-var={name}={hcl_literal(value)}" for name, value in values.items()]

    def apply(self, **overrides: Any) -> None:
        self._converge("apply", "-auto-approve", "-input=false", "-no-color", *self.var_args(**overrides))

    def destroy(self, **overrides: Any) -> None:
        self._converge("destroy", "-auto-approve", "-input=false", "-no-color", *self.var_args(**overrides))

    def _converge(self, *args: str) -> None:
        """apply/destroy are idempotent: after a transient connection failure run again (up to
        twice), as an operator would; real errors still fail."""
        result = self.run(*args, check=False)
        for _ in range(2):
            if result.returncode == 0 or not any(sign in result.stderr for sign in _TRANSIENT):
                break
            result = self.run(*args, check=False)
        if result.returncode != 0:
            raise AssertionError(f"terraform {args[0]} failed ({result.returncode}) in {self.root}:\n"
                                 f"{_tail(result.stderr)}\n{_tail(result.stdout)}")

    def plan_exit_code(self, **overrides: Any) -> tuple[int, str]:
        result = self.run("plan", "-detailed-exitcode", "-input=false", "-no-color", *self.var_args(**overrides),
                          check=False)
        return result.returncode, result.stdout + result.stderr

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json").stdout)
        return {name: entry["value"] for name, entry in raw.items()}

    def state(self) -> dict[str, Any]:
        return json.loads(self.run("show", "-json").stdout)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def init_root(binary: str, root: Path, data_dir: Path, env: dict[str, str], *init_args: str) -> Terraform:
    tf = Terraform(binary, root, data_dir, {**env, "TF_DATA_DIR": str(data_dir)})
    tf.run("init", "-input=false", "-no-color", f"-plugin-dir={PLUGIN_DIR}", *init_args)
    return tf


# -- the AWS endpoint --------------------------------------------------------------------
@dataclass
class Endpoint:
    url: str
    kind: str  # "local stack" or "moto"
    stack_settings: dict[str, str]

    @property
    def is_local_stack(self) -> bool:
        return self.kind == "local stack"


def unanswered_provider_calls(sfn: Any) -> list[str]:
    """Which of the Step Functions calls the AWS provider makes the endpoint fails on."""
    from botocore.exceptions import ClientError

    missing = []
    try:
        sfn.validate_state_machine_definition(
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}))
    except ClientError:
        missing.append("ValidateStateMachineDefinition")
    try:
        sfn.list_state_machine_versions(
            stateMachineArn=f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:probe-that-does-not-exist")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "StateMachineDoesNotExist":
            missing.append("ListStateMachineVersions")
    return missing


# -- moto stand-in --------------------------------------------------------------------
# moto answers everything the local root applies except two Step Functions calls the
# provider makes; this stand-in answers them the way AWS does for a valid definition
# (ValidateStateMachineDefinition: OK; ListStateMachineVersions: none, we never publish).
_SFN_ANSWERS = {
    "AWSStepFunctions.ValidateStateMachineDefinition": {"result": "OK", "diagnostics": [], "truncated": False},
    "AWSStepFunctions.ListStateMachineVersions": {"stateMachineVersions": []},
}


def moto_endpoint_app() -> Any:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    moto_app = DomainDispatcherApplication(create_backend_app)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        answer = _SFN_ANSWERS.get(environ.get("HTTP_X_AMZ_TARGET", ""))
        if answer is None:
            return moto_app(environ, start_response)
        body = json.dumps(answer).encode()
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    return app
