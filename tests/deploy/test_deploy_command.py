"""What `make deploy` / scripts/deploy.py refuse before touching anything, with a message that says what to do."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _deploy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STATE_BUCKET"))}
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "deploy.py"), *args], cwd=ROOT,
                          env={**clean, **(env or {})}, capture_output=True, text=True, timeout=60)


def test_make_deploy_needs_a_stage() -> None:
    # -o: the check comes before anything else; the venv is taken as installed.
    result = subprocess.run(["make", "-s", "-o", ".venv/.installed", "deploy"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "usage: make deploy STAGE=<stage>" in result.stderr


def test_aws_needs_the_state_bucket_and_the_stage_variables() -> None:
    result = _deploy("--stage", "nosuchstage")
    assert result.returncode == 1 and "set STATE_BUCKET" in result.stderr
    result = _deploy("--stage", "nosuchstage", env={"STATE_BUCKET": "some-bucket"})
    assert result.returncode == 1 and "infra/terraform/nosuchstage.tfvars is missing" in result.stderr


def test_the_local_stage_belongs_to_the_stack() -> None:
    result = _deploy("--local", "--stage", "local", "--endpoint", "http://127.0.0.1:9")
    assert result.returncode == 1 and "belongs to the local stack" in result.stderr


def test_no_local_stack_means_a_clear_failure(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, 'scripts'); import deploy; "
         "deploy.local_stack_outputs('http://127.0.0.1:9', wait=0.5)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "start `make run` first" in result.stderr
