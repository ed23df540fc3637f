"""The stack's outputs (the services' settings) on disk, and the environment a service process runs with."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

# Outputs for people (make run prints them), kept out of the services' environment.
_PERSON_OUTPUTS = ("TELEHEALTH_LOCAL_ADMIN_EMAIL", "TELEHEALTH_LOCAL_ADMIN_PASSWORD")
# Environment variables that would send a service's boto3 calls anywhere but this stack.
_FOREIGN_AWS_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                          "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ROLE_ARN",
                          "AWS_WEB_IDENTITY_TOKEN_FILE")


def service_environment(settings: Mapping[str, str], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default os.environ) with the stack's settings, minus whatever points elsewhere."""
    env = dict(os.environ if base is None else base)
    for name in list(env):
        if name in _FOREIGN_AWS_VARIABLES or name.startswith("AWS_ENDPOINT_URL_"):
            env.pop(name)
    env.update({k: v for k, v in settings.items() if k not in _PERSON_OUTPUTS})
    for name in _PERSON_OUTPUTS:
        env.pop(name, None)
    return env


def load_outputs(path: Path | str) -> dict[str, str]:
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return {str(k): str(v) for k, v in data.items()}


def write_outputs(path: Path | str, settings: Mapping[str, str], private: bool = False) -> None:
    """Write atomically: readers (the runner, the services) poll for this file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dict(settings), indent=2, sort_keys=True) + "\n")
    if private:  # secrets: readable by this user only
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def role_credentials_path(outputs_path: Path | str) -> Path:
    """Where the endpoint writes each service role's temporary credentials (next to the outputs)."""
    return Path(outputs_path).with_name("role-credentials.json")


def load_role_credentials(outputs_path: Path | str, service: str) -> dict[str, str]:
    """The AWS_* variables a process of `service` runs with (its role's session)."""
    return json.loads(load_outputs(role_credentials_path(outputs_path))[service])
