#!/usr/bin/env python3
"""Writes one stage of every service's .chalice/config.json from `terraform output -json` (settings, IAM role).

    terraform -chdir=infra/terraform output -json | python scripts/chalice_config_from_terraform.py --stage dev

Only the named stage is touched; the `local` stage (written for the local stack) and every
other stage are kept as they are. Inside the stage, environment variables that Terraform does
not manage (names not starting with TELEHEALTH_) and other keys such as api_gateway_stage are
kept too. Everything is validated before anything is written, so bad input changes no file.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parent.parent
MANAGED_PREFIX = "TELEHEALTH_"
LOCAL_STAGE = "local"
STAGE_NAME = re.compile(r"^[A-Za-z0-9_]+$")
ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$")
# Lambda refuses functions whose configuration sets these.
LAMBDA_RESERVED = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}


class ConfigError(Exception):
    """Input that cannot be turned into a Chalice stage; the message says why."""


def stage_settings(outputs: Any, stage: str, services: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Per service, the validated {iam_role_arn, environment_variables, xray} from Terraform's outputs."""
    if not isinstance(outputs, dict):
        raise ConfigError("terraform outputs must be a JSON object (use `terraform output -json`)")
    applied_stage = _output_value(outputs, "stage")
    if applied_stage != stage:
        raise ConfigError(f"the outputs are for stage {applied_stage!r}, not {stage!r}")
    chalice_stages = _output_value(outputs, "chalice_stages")
    if not isinstance(chalice_stages, dict):
        raise ConfigError("output chalice_stages must be an object")
    result = {}
    for service in services:
        entry = chalice_stages.get(service)
        if not isinstance(entry, dict):
            raise ConfigError(f"output chalice_stages has no entry for service {service!r}")
        role = entry.get("iam_role_arn")
        if not isinstance(role, str) or not ROLE_ARN.match(role):
            raise ConfigError(f"{service}: iam_role_arn is not an IAM role ARN")
        env = entry.get("environment_variables")
        if not isinstance(env, dict) or not env:
            raise ConfigError(f"{service}: environment_variables must be a non-empty object")
        for name, value in env.items():
            if not ENV_NAME.match(name) or name in LAMBDA_RESERVED:
                raise ConfigError(f"{service}: {name!r} cannot be a Lambda environment variable")
            if not name.startswith(MANAGED_PREFIX):
                raise ConfigError(f"{service}: {name!r} is not a {MANAGED_PREFIX}* setting")
            if not isinstance(value, str):
                raise ConfigError(f"{service}: {name} must be a string")
        if env.get("TELEHEALTH_STAGE") != stage:
            raise ConfigError(f"{service}: TELEHEALTH_STAGE is {env.get('TELEHEALTH_STAGE')!r}, not {stage!r}")
        xray = entry.get("xray", False)
        if not isinstance(xray, bool):
            raise ConfigError(f"{service}: xray must be true or false")
        result[service] = {"iam_role_arn": role, "environment_variables": dict(env), "xray": xray}
    return result


def _output_value(outputs: dict[str, Any], name: str) -> Any:
    output = outputs.get(name)
    if not isinstance(output, dict) or "value" not in output:
        raise ConfigError(f"terraform outputs have no {name!r} (run it in infra/terraform after apply)")
    return output["value"]


def updated_config(config: Any, stage: str, settings: dict[str, Any], path: Path) -> dict[str, Any]:
    """A copy of one .chalice/config.json with `stage` set from `settings`; other stages untouched."""
    if not isinstance(config, dict) or not isinstance(config.get("stages"), dict):
        raise ConfigError(f"{path}: not a Chalice config (no \"stages\" object)")
    current = config["stages"].get(stage, {})
    if not isinstance(current, dict):
        raise ConfigError(f"{path}: stage {stage!r} is not an object")
    env = current.get("environment_variables", {})
    if not isinstance(env, dict):
        raise ConfigError(f"{path}: stage {stage!r} environment_variables is not an object")
    # Settings Terraform no longer outputs (an emptied phone number, say) must disappear too.
    kept = {name: value for name, value in env.items() if not name.startswith(MANAGED_PREFIX)}
    new_stage = {"api_gateway_stage": "api", **current}
    new_stage["environment_variables"] = {**kept, **settings["environment_variables"]}
    new_stage["manage_iam_role"] = False
    new_stage["iam_role_arn"] = settings["iam_role_arn"]
    new_stage["xray"] = settings["xray"]
    return {**config, "stages": {**config["stages"], stage: new_stage}}


def plan(outputs: Any, stage: str, services_dir: Path, services: tuple[str, ...]) -> dict[Path, str]:
    """The new text of every config file, or ConfigError before anything is written."""
    if not STAGE_NAME.match(stage):
        raise ConfigError("stage must be letters, digits or '_'")
    if stage == LOCAL_STAGE:
        raise ConfigError("the local stage belongs to the local stack; it is not written from Terraform")
    settings = stage_settings(outputs, stage, services)
    texts = {}
    for service in services:
        path = services_dir / service / ".chalice" / "config.json"
        try:
            config = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{path} does not exist") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
        texts[path] = json.dumps(updated_config(config, stage, settings[service], path), indent=2) + "\n"
    return texts


def write_all(texts: dict[Path, str]) -> list[Path]:
    """Write each changed file atomically; return the ones that changed."""
    changed = [path for path, text in texts.items() if path.read_text() != text]
    for path in changed:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(texts[path])
        os.replace(tmp, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="the Chalice stage to write (= the Terraform stage)")
    parser.add_argument("--outputs", default="-", help="file with `terraform output -json` (default: stdin)")
    parser.add_argument("--services-dir", type=Path, default=ROOT / "services")
    parser.add_argument("--service", action="append", choices=SERVICES, dest="services",
                        help="only this service (repeatable; default: all four)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    args = parser.parse_args(argv)
    try:
        raw = sys.stdin.read() if args.outputs == "-" else Path(args.outputs).read_text()
        try:
            outputs = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"terraform outputs are not JSON ({exc.msg})") from None
        texts = plan(outputs, args.stage, args.services_dir, tuple(args.services or SERVICES))
    except (ConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        stale = [path for path, text in texts.items() if path.read_text() != text]
        for path in stale:
            print(f"would change {path}")
        return 1 if stale else 0
    for path in write_all(texts):
        print(f"wrote stage {args.stage} of {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
