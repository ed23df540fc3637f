#!/usr/bin/env python3
"""Deploys one stage end to end, the path docs/deploy.md describes: Terraform, Chalice config, `chalice deploy`, API limits.

    python scripts/deploy.py --stage dev                  # AWS (what `make deploy STAGE=dev` runs)
    python scripts/deploy.py --stage rehearsal --local    # the local stack (`make deploy-local`)

Every step is idempotent, so a second run changes nothing: the first apply already uses
`service_functions_deployed = true` once the functions exist, the second config/deploy round
runs only when the settings changed, and a final `terraform plan` must show no changes.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess  # nosec B404: runs terraform, chalice and our own scripts with fixed argv
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parent.parent
# What Chalice packages (docs/architecture.md); the local work copy holds exactly this.
PACKAGED = ("app.py", "chalicelib", "vendor", "requirements.txt")
DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
CHALICE = Path(sys.executable).parent / "chalice"
# Connection-level failures (a reused keep-alive connection closing under load), not API errors.
TRANSIENT = ("use of closed network connection", "connection reset by peer", "broken pipe", ": EOF")


class DeployError(Exception):
    """A step failed; the message says which and why."""


@dataclass
class Target:
    """Where one deployment goes: the Terraform root, its init arguments and variables, the services' folder."""

    name: str
    stage: str
    tf_root: Path
    services_dir: Path
    env: dict[str, str]
    init_args: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    var_files: list[Path] = field(default_factory=list)
    endpoint: str | None = None

    def stage_url(self, rest_api_id: str, api_stage: str) -> str:
        if self.endpoint:
            # The local endpoint's execute-api route (telehealth_local.glue.apigateway).
            return f"{self.endpoint}/restapis/{rest_api_id}/{api_stage}/_user_request_"
        region = self.env.get("AWS_REGION") or self.env.get("AWS_DEFAULT_REGION") or "us-east-1"
        return f"https://{rest_api_id}.execute-api.{region}.amazonaws.com/{api_stage}"


class Step:
    """Numbered, timed step lines on stdout."""

    def __init__(self) -> None:
        self.number = 0
        self.started = time.monotonic()

    def __call__(self, title: str) -> None:
        self.number += 1
        print(f"\n==> {self.number}. {title}  [{time.monotonic() - self.started:.0f}s]", flush=True)

    @staticmethod
    def note(text: str) -> None:
        print(f"    {text}", flush=True)


step = Step()


def run(args: list[str], *, cwd: Path, env: dict[str, str], capture: bool = False,
        input_text: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, env=env, text=True, input=input_text,  # nosec B603: fixed argv
                            capture_output=capture)
    if check and result.returncode != 0:
        detail = (result.stderr or "")[-3000:] if capture else ""
        raise DeployError(f"`{' '.join(str(a) for a in args[:3])} ...` failed ({result.returncode}) in {cwd}\n{detail}")
    return result


# -- Terraform -------------------------------------------------------------------
def terraform_binary() -> str:
    binary = os.environ.get("TERRAFORM") or shutil.which("terraform")
    if not binary:
        raise DeployError("terraform is not on PATH (or set TERRAFORM=/path/to/terraform)")
    return binary


def hcl_literal(value: Any) -> str:
    """A value as `terraform -var name=...` takes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def terraform(target: Target, *args: str, capture: bool = False, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run([terraform_binary(), *args], cwd=target.tf_root, env=target.env, capture=capture, check=check)


def tf_var_args(target: Target, **overrides: Any) -> list[str]:
    files = [f"-var-file={path}" for path in target.var_files]
    values = {**target.variables, **overrides}
    return files + [f"-var={name}={hcl_literal(value)}" for name, value in values.items()]


def tf_outputs(target: Target) -> dict[str, Any]:
    result = terraform(target, "output", "-json", "-no-color", capture=True, check=False)
    if result.returncode != 0 or not result.stdout.strip():
        return {}
    return json.loads(result.stdout)


def tf_apply(target: Target, functions_deployed: bool) -> None:
    args = ["apply", "-auto-approve", "-input=false", "-no-color", "-compact-warnings",
            *tf_var_args(target, service_functions_deployed=functions_deployed)]
    result = terraform(target, *args, capture=True, check=False)
    if result.returncode != 0 and any(sign in result.stderr for sign in TRANSIENT):
        step.note("a connection dropped (not an API error): applying once more, as an operator would")
        result = terraform(target, *args, capture=True, check=False)
    if result.returncode != 0:
        raise DeployError(f"terraform apply failed:\n{(result.stdout + result.stderr)[-4000:]}")
    lines = result.stdout.splitlines()
    # "No changes." only when neither resources nor outputs change (then "Apply complete! 0 ..." follows).
    summary = [line for line in lines if line.startswith("No changes")] or [
        line for line in lines if line.startswith("Apply complete")]
    step.note(summary[0] if summary else "applied")


def functions_exist(target: Target, outputs: dict[str, Any]) -> bool:
    """Whether every function Terraform refers to already exists (a previous run deployed them)."""
    names = (outputs.get("lambda_function_names") or {}).get("value") or {}
    if not names:
        return False
    import boto3

    credentials = ({"aws_access_key_id": target.env["AWS_ACCESS_KEY_ID"],
                    "aws_secret_access_key": target.env["AWS_SECRET_ACCESS_KEY"]} if target.endpoint else {})
    client = boto3.session.Session(**credentials).client(
        "lambda", endpoint_url=target.endpoint, region_name=target.env.get("AWS_REGION", "us-east-1"))
    for name in (n for group in names.values() for n in group):
        try:
            client.get_function(FunctionName=name)
        except client.exceptions.ResourceNotFoundException:
            return False
    return True


# -- Chalice ---------------------------------------------------------------------
def config_texts(target: Target) -> dict[str, str]:
    return {s: (target.services_dir / s / ".chalice" / "config.json").read_text() for s in SERVICES}


def write_chalice_config(target: Target) -> bool:
    """Settings from `terraform output -json` into each service's stage; True when a file changed."""
    before = config_texts(target)
    raw = terraform(target, "output", "-json", "-no-color", capture=True).stdout
    run([sys.executable, str(ROOT / "scripts" / "chalice_config_from_terraform.py"), "--stage", target.stage,
         "--services-dir", str(target.services_dir)], cwd=ROOT, env=target.env, input_text=raw, capture=True)
    changed = [s for s, text in config_texts(target).items() if before[s] != text]
    step.note(f"changed: {', '.join(changed)}" if changed else "no change")
    return bool(changed)


def chalice_deploy(target: Target) -> None:
    """`chalice deploy` of the four services, side by side (they share nothing), reported in order."""
    from concurrent.futures import ThreadPoolExecutor

    def deploy_one(service: str) -> subprocess.CompletedProcess[str]:
        return run([str(CHALICE), "deploy", "--stage", target.stage], cwd=target.services_dir / service,
                   env=target.env, capture=True, check=False)

    with ThreadPoolExecutor(max_workers=len(SERVICES)) as pool:
        results = dict(zip(SERVICES, pool.map(deploy_one, SERVICES)))
    for service, result in results.items():
        changes = [line.strip() for line in result.stdout.splitlines() if line.startswith(("Creating", "Updating"))]
        step.note(f"chalice deploy --stage {target.stage}  ({service}): {'; '.join(changes) or 'done'}")
    failed = [s for s, r in results.items() if r.returncode != 0]
    if failed:
        detail = "\n".join(f"{s}:\n{(results[s].stderr + results[s].stdout)[-2500:]}" for s in failed)
        raise DeployError(f"chalice deploy failed for {', '.join(failed)}:\n{detail}")


def deployed_apis(target: Target) -> dict[str, str]:
    """Each service's API Gateway stage URL, from Chalice's deployed record."""
    urls = {}
    for service in SERVICES:
        service_dir = target.services_dir / service
        record = json.loads((service_dir / ".chalice" / "deployed" / f"{target.stage}.json").read_text())
        api = next(r for r in record["resources"] if r.get("resource_type") == "rest_api")
        config = json.loads((service_dir / ".chalice" / "config.json").read_text())
        api_stage = config["stages"][target.stage].get("api_gateway_stage") or config.get("api_gateway_stage", "api")
        urls[service] = target.stage_url(api["rest_api_id"], api_stage)
    return urls


def vendor_shared(services_dir: Path) -> None:
    """`make vendor`: Chalice packages vendor/, so the shared package is copied in."""
    for service in SERVICES:
        vendor = services_dir / service / "vendor"
        shutil.rmtree(vendor / "telehealth_shared", ignore_errors=True)
        vendor.mkdir(parents=True, exist_ok=True)
        shutil.copytree(ROOT / "shared" / "telehealth_shared", vendor / "telehealth_shared",
                        ignore=shutil.ignore_patterns("__pycache__"))


def refresh_work_copy(services_dir: Path) -> None:
    """The local deployment's own copy of what Chalice packages, so the repository's config.json
    files stay untouched; .chalice/deployed and the package cache survive between runs."""
    for service in SERVICES:
        source, copy = ROOT / "services" / service, services_dir / service
        (copy / ".chalice").mkdir(parents=True, exist_ok=True)
        for name in PACKAGED:
            path = copy / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
            if (source / name).is_dir():
                shutil.copytree(source / name, path, ignore=shutil.ignore_patterns("__pycache__"))
            elif (source / name).exists():
                shutil.copy2(source / name, path)
        shutil.copy2(source / ".chalice" / "config.json", copy / ".chalice" / "config.json")


# -- targets ---------------------------------------------------------------------
def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TF_IN_AUTOMATION", "1")
    env.setdefault("CHECKPOINT_DISABLE", "1")
    return env


def plugin_args() -> list[str]:
    plugin_dir = os.environ.get("TF_PLUGIN_DIR", "/opt/tf-plugins")
    return [f"-plugin-dir={plugin_dir}"] if plugin_dir and Path(plugin_dir).is_dir() else []


def aws_target(stage: str) -> Target:
    env = _base_env()
    tf_root = ROOT / "infra" / "terraform"
    bucket = env.get("STATE_BUCKET")
    if not bucket:
        raise DeployError("set STATE_BUCKET to the S3 bucket holding Terraform state (docs/deploy.md, step 0)")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    env.setdefault("AWS_REGION", region)
    var_file = tf_root / f"{stage}.tfvars"
    if not var_file.is_file():
        raise DeployError(f"{var_file.relative_to(ROOT)} is missing (docs/deploy.md, step 1)")
    return Target("AWS", stage, tf_root, ROOT / "services", env, var_files=[var_file], init_args=[
        f"-backend-config=bucket={bucket}", f"-backend-config=key=telehealth/{stage}.tfstate",
        f"-backend-config=region={region}", "-backend-config=encrypt=true", "-backend-config=use_lockfile=true"])


def local_stack_outputs(endpoint: str, wait: float = 60.0) -> dict[str, str]:
    """The running local stack's settings; waits for one still starting up."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/_local/outputs", timeout=5) as response:  # nosec B310: our endpoint
                return json.loads(response.read())
        except OSError as exc:
            if time.monotonic() > deadline:
                raise DeployError(f"no local stack answers on {endpoint} ({exc}): start `make run` first") from None
            time.sleep(0.5)


def forget_another_stack(state_dir: Path, stack: dict[str, str]) -> None:
    """The local stack keeps nothing when it stops: state recorded against an earlier one
    (another user pool) describes resources that are gone, so this deployment starts afresh."""
    marker = state_dir / "stack.json"
    identity = {"user_pool": stack.get("TELEHEALTH_USER_POOL_ID"), "endpoint": stack.get("AWS_ENDPOINT_URL")}
    if marker.is_file() and json.loads(marker.read_text()) != identity:
        print(f"{state_dir} belongs to an earlier local stack: starting from an empty state", flush=True)
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(identity) + "\n")


def local_target(stage: str, endpoint: str, state_dir: Path) -> Target:
    """The `local` Terraform root against the local stack's endpoint, state under state_dir."""
    if stage == "local":
        raise DeployError("the stage `local` belongs to the local stack itself; choose another (e.g. rehearsal)")
    stack = local_stack_outputs(endpoint)
    forget_another_stack(state_dir, stack)
    env = _base_env()
    for name in [n for n in env if n.startswith(("AWS_", "TF_VAR_"))]:
        env.pop(name)  # a developer's AWS profile must never receive this deployment
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",  # nosec B105: the local stack's public test keys
                "AWS_REGION": "us-east-1",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint, "AWS_EC2_METADATA_DISABLED": "true",
                "TF_DATA_DIR": str(state_dir / "terraform-data")})
    if "TF_PLUGIN_DIR" in os.environ:
        env["TF_PLUGIN_DIR"] = os.environ["TF_PLUGIN_DIR"]
    (state_dir / "build").mkdir(parents=True, exist_ok=True)
    return Target("local stack", stage, ROOT / "infra" / "terraform" / "local", state_dir / "services", env,
                  endpoint=endpoint, init_args=[f"-backend-config=path={state_dir / 'terraform.tfstate'}"],
                  variables={
                      "endpoint": endpoint, "stage": stage, "build_dir": str(state_dir / "build"),
                      # What the local stack answers (docs/deploy.md "Not applied locally").
                      "pstn_enabled": True, "phone_number": "",
                      "app_instance_arn": stack["TELEHEALTH_APP_INSTANCE_ARN"],
                      # The stack's registered number: numbers are registered outside Terraform.
                      "sms_origination_identity": stack["TELEHEALTH_SMS_ORIGINATION_IDENTITY"],
                  })


# -- the path --------------------------------------------------------------------
def deploy(target: Target, verify: bool = True) -> dict[str, str]:
    started = time.monotonic()
    print(f"deploying stage {target.stage} to {target.name} (Terraform root {target.tf_root.relative_to(ROOT)}, "
          f"services from {target.services_dir})", flush=True)
    step("vendor the shared package into each service")
    if target.endpoint:
        refresh_work_copy(target.services_dir)
    vendor_shared(target.services_dir)

    step("terraform init")
    terraform(target, "init", "-input=false", "-no-color", *plugin_args(), *target.init_args, capture=True)

    already = functions_exist(target, tf_outputs(target))
    step(f"terraform apply (service_functions_deployed = {hcl_literal(already)})")
    tf_apply(target, already)

    step("settings into each service's Chalice stage")
    write_chalice_config(target)

    step("chalice deploy")
    chalice_deploy(target)

    step("terraform apply (service_functions_deployed = true)")
    tf_apply(target, True)

    step("settings again (the second apply adds the SIP media application)")
    if write_chalice_config(target) or not already:
        step("chalice deploy again, with those settings")
        chalice_deploy(target)

    step("API Gateway throttling")
    run([sys.executable, str(ROOT / "scripts" / "apply_api_limits.py"), "--stage", target.stage,
         "--services-dir", str(target.services_dir)], cwd=ROOT, env=target.env)

    if verify:
        step("terraform plan: a second run must change nothing")
        result = terraform(target, "plan", "-detailed-exitcode", "-input=false", "-no-color",
                           *tf_var_args(target, service_functions_deployed=True), capture=True, check=False)
        if result.returncode != 0:
            raise DeployError(f"terraform plan after the deploy is not empty (exit {result.returncode}):\n"
                              f"{(result.stdout + result.stderr)[-3000:]}")
        step.note("no changes")

    urls = deployed_apis(target)
    print(f"\nstage {target.stage} deployed in {time.monotonic() - started:.0f}s; API Gateway stage URLs:")
    for service, url in urls.items():
        print(f"  {service:<11} {url}")
    return urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="the stage to deploy (letters, digits, _)")
    parser.add_argument("--local", action="store_true", help="deploy to the local stack instead of AWS")
    parser.add_argument("--endpoint", default=DEFAULT_ENDPOINT, help=f"the local stack's endpoint (default {DEFAULT_ENDPOINT})")
    parser.add_argument("--state-dir", default=None,
                        help="local deployments: where state and the services' copy go (default .local-stack/deploy/STAGE)")
    parser.add_argument("--urls-file", default=None, help="write the stage URLs as JSON here")
    parser.add_argument("--no-verify", action="store_true", help="skip the final empty-plan check")
    args = parser.parse_args(argv)
    try:
        if args.local:
            state_dir = Path(args.state_dir or ROOT / ".local-stack" / "deploy" / args.stage).resolve()
            target = local_target(args.stage, args.endpoint.rstrip("/"), state_dir)
        else:
            target = aws_target(args.stage)
        urls = deploy(target, verify=not args.no_verify)
    except DeployError as exc:
        print(f"\ndeploy failed: {exc}", file=sys.stderr)
        return 1
    if args.urls_file:
        Path(args.urls_file).write_text(json.dumps(urls, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
