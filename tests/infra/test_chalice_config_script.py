"""scripts/chalice_config_from_terraform.py: writes only the named stage, keeps everything else, refuses bad input whole."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from terraform_harness import ROOT
from telehealth_local.layout import SERVICES

SCRIPT = ROOT / "scripts" / "chalice_config_from_terraform.py"


def outputs_for(stage: str, **env_overrides: str) -> dict[str, Any]:
    env = {
        "TELEHEALTH_STAGE": stage,
        "TELEHEALTH_USER_POOL_ID": "us-east-1_abc",
        "TELEHEALTH_APPOINTMENTS_TABLE": f"telehealth-{stage}-appointments",
        **env_overrides,
    }
    return {
        "stage": {"value": stage, "type": "string", "sensitive": False},
        "chalice_stages": {"sensitive": False, "type": ["object", {}], "value": {
            service: {"iam_role_arn": f"arn:aws:iam::123456789012:role/telehealth-{stage}-{service}",
                      "xray": True, "environment_variables": env}
            for service in SERVICES
        }},
    }


@pytest.fixture
def services_dir(tmp_path: Path) -> Path:
    for service in SERVICES:
        (tmp_path / service / ".chalice").mkdir(parents=True)
        (tmp_path / service / ".chalice" / "config.json").write_text(json.dumps({
            "version": "2.0",
            "app_name": f"telehealth-{service}",
            "stages": {
                "local": {"api_gateway_stage": "api", "environment_variables": {"TELEHEALTH_STAGE": "local"}},
                "dev": {"api_gateway_stage": "v1", "lambda_timeout": 30,
                        "environment_variables": {"TELEHEALTH_STAGE": "dev", "TELEHEALTH_CALLS_TABLE": "stale",
                                                  "LOG_LEVEL": "debug"}},
                "prod": {"api_gateway_stage": "api", "environment_variables": {"TELEHEALTH_STAGE": "prod"}},
            },
        }, indent=2))
    return tmp_path


def run(services_dir: Path, outputs: Any, *args: str) -> subprocess.CompletedProcess:
    text = outputs if isinstance(outputs, str) else json.dumps(outputs)
    return subprocess.run([sys.executable, str(SCRIPT), "--services-dir", str(services_dir), *args],
                          input=text, capture_output=True, text=True, timeout=60)


def configs(services_dir: Path) -> dict[str, dict]:
    return {s: json.loads((services_dir / s / ".chalice" / "config.json").read_text()) for s in SERVICES}


def test_writes_the_stage_and_keeps_every_other_one(services_dir: Path) -> None:
    before = configs(services_dir)
    result = run(services_dir, outputs_for("dev"), "--stage", "dev")
    assert result.returncode == 0, result.stderr
    after = configs(services_dir)
    for service in SERVICES:
        assert after[service]["stages"]["local"] == before[service]["stages"]["local"]
        assert after[service]["stages"]["prod"] == before[service]["stages"]["prod"]
        assert after[service]["app_name"] == f"telehealth-{service}"
        dev = after[service]["stages"]["dev"]
        assert dev["iam_role_arn"] == f"arn:aws:iam::123456789012:role/telehealth-dev-{service}"
        assert dev["manage_iam_role"] is False
        assert dev["xray"] is True
        # Kept: what Terraform does not manage. Dropped: a TELEHEALTH_ setting it no longer outputs.
        assert (dev["api_gateway_stage"], dev["lambda_timeout"]) == ("v1", 30)
        assert dev["environment_variables"] == {
            "LOG_LEVEL": "debug", "TELEHEALTH_STAGE": "dev", "TELEHEALTH_USER_POOL_ID": "us-east-1_abc",
            "TELEHEALTH_APPOINTMENTS_TABLE": "telehealth-dev-appointments",
        }
    # Idempotent: a second run changes nothing, and --check agrees.
    assert run(services_dir, outputs_for("dev"), "--stage", "dev").stdout == ""
    assert run(services_dir, outputs_for("dev"), "--stage", "dev", "--check").returncode == 0
    assert configs(services_dir) == after


def test_adds_a_stage_that_did_not_exist(services_dir: Path) -> None:
    result = run(services_dir, outputs_for("staging"), "--stage", "staging", "--service", "calling")
    assert result.returncode == 0, result.stderr
    after = configs(services_dir)
    assert after["calling"]["stages"]["staging"]["api_gateway_stage"] == "api"
    assert "staging" not in after["identity"]["stages"]


def test_check_reports_a_stale_stage_without_writing(services_dir: Path) -> None:
    before = configs(services_dir)
    result = run(services_dir, outputs_for("dev"), "--stage", "dev", "--check")
    assert result.returncode == 1
    assert result.stdout.count("would change") == len(SERVICES)
    assert configs(services_dir) == before


@pytest.mark.parametrize("outputs, stage, message", [
    (outputs_for("local"), "local", "local stage belongs to the local stack"),
    (outputs_for("dev"), "prod", "outputs are for stage 'dev', not 'prod'"),
    ({"stage": {"value": "dev"}}, "dev", "no 'chalice_stages'"),
    (outputs_for("dev", AWS_REGION="us-east-1"), "dev", "'AWS_REGION' cannot be a Lambda environment variable"),
    (outputs_for("dev", TELEHEALTH_CALLS_TABLE=7), "dev", "TELEHEALTH_CALLS_TABLE must be a string"),
    (outputs_for("dev", TELEHEALTH_STAGE="prod"), "dev", "TELEHEALTH_STAGE is 'prod'"),
    ("not json", "dev", "not JSON"),
    ([], "dev", "must be a JSON object"),
])
def test_bad_input_changes_no_file(services_dir: Path, outputs: Any, stage: str, message: str) -> None:
    before = configs(services_dir)
    result = run(services_dir, outputs, "--stage", stage)
    assert result.returncode == 2
    assert message in result.stderr
    assert configs(services_dir) == before


def test_bad_role_in_one_service_changes_no_service(services_dir: Path) -> None:
    outputs = outputs_for("dev")
    outputs["chalice_stages"]["value"]["calling"]["iam_role_arn"] = "telehealth-dev-calling"
    before = configs(services_dir)
    result = run(services_dir, outputs, "--stage", "dev")
    assert result.returncode == 2
    assert "calling: iam_role_arn is not an IAM role ARN" in result.stderr
    assert configs(services_dir) == before


def test_a_broken_config_file_is_reported_and_nothing_is_written(services_dir: Path) -> None:
    (services_dir / "messaging" / ".chalice" / "config.json").write_text("{")
    before_identity = configs_without(services_dir, "messaging")
    result = run(services_dir, outputs_for("dev"), "--stage", "dev")
    assert result.returncode == 2
    assert "messaging/.chalice/config.json: invalid JSON" in result.stderr
    assert configs_without(services_dir, "messaging") == before_identity


def configs_without(services_dir: Path, skipped: str) -> dict[str, dict]:
    return {s: json.loads((services_dir / s / ".chalice" / "config.json").read_text())
            for s in SERVICES if s != skipped}


def test_the_repository_configs_are_accepted(tmp_path: Path) -> None:
    """The real services' configs parse and keep their local stage through a write."""
    for service in SERVICES:
        (tmp_path / service / ".chalice").mkdir(parents=True)
        source = ROOT / "services" / service / ".chalice" / "config.json"
        (tmp_path / service / ".chalice" / "config.json").write_text(source.read_text())
    assert run(tmp_path, outputs_for("dev"), "--stage", "dev").returncode == 0
    for service in SERVICES:
        original = json.loads((ROOT / "services" / service / ".chalice" / "config.json").read_text())
        written = json.loads((tmp_path / service / ".chalice" / "config.json").read_text())
        assert written["stages"]["local"] == original["stages"]["local"]
