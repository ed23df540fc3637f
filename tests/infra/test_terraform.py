"""Static checks of infra/terraform: formatting, offline init, validation and the provider features it relies on."""
from __future__ import annotations

import json
import subprocess

import pytest

from terraform_harness import TERRAFORM_DIR, Endpoint, Terraform


def test_terraform_files_are_formatted(terraform_binary: str, terraform_env: dict[str, str]) -> None:
    result = subprocess.run([terraform_binary, "fmt", "-check", "-recursive", "-diff", "-no-color"],
                            cwd=TERRAFORM_DIR, env=terraform_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"run `terraform fmt -recursive infra/terraform`:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("root_name", ["aws_root", "local_root"])
def test_root_module_validates(root_name: str, request: pytest.FixtureRequest) -> None:
    tf: Terraform = request.getfixturevalue(root_name)
    result = tf.run("validate", "-json", "-no-color", check=False)
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report["diagnostics"], indent=2)
    assert report["warning_count"] == 0, json.dumps(report["diagnostics"], indent=2)


def test_offline_provider_has_every_resource_type_used(local_root: Terraform) -> None:
    """The SIP media application, SIP rule and the rest exist in the pinned offline provider."""
    schema = json.loads(local_root.run("providers", "schema", "-json", timeout=120).stdout)
    resources = schema["provider_schemas"]["registry.terraform.io/hashicorp/aws"]["resource_schemas"]
    used = set()
    for path in TERRAFORM_DIR.rglob("*.tf"):
        for line in path.read_text().splitlines():
            words = line.split()
            if len(words) >= 3 and words[0] == "resource" and words[1].strip('"').startswith("aws_"):
                used.add(words[1].strip('"'))
    assert {"aws_chimesdkvoice_sip_media_application", "aws_chimesdkvoice_sip_rule",
            "aws_lambda_invocation", "aws_pinpointsmsvoicev2_configuration_set",
            "aws_pinpointsmsvoicev2_opt_out_list"} <= used
    assert sorted(used - set(resources)) == []


def test_stage_local_is_refused(local_root: Terraform, aws_endpoint: Endpoint) -> None:
    """The local stack owns telehealth-local-*; Terraform must never create or replace them."""
    code, output = local_root.plan_exit_code(endpoint=aws_endpoint.url, stage="local")
    assert code == 1
    assert "must be 2-16 lowercase letters/digits" in output
