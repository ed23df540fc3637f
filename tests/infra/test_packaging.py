"""Every service's `chalice package` output contains the shared package and imports in a clean
Python that has nothing but boto3 (what the Lambda runtime provides)."""
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parents[2]
BOTO3_PIN = next(line.strip() for line in (ROOT / "requirements" / "dev.txt").read_text().splitlines()
                 if line.startswith("boto3=="))


@pytest.fixture(scope="module")
def clean_python(tmp_path_factory):
    """A virtual environment holding only boto3, like the Lambda runtime."""
    home = tmp_path_factory.mktemp("clean-python")
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    python = home / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", BOTO3_PIN,
                    "-c", str(ROOT / "requirements" / "constraints.txt")], check=True)
    return python


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    subprocess.run(["make", "-s", "vendor"], cwd=ROOT, check=True)
    chalice = Path(sys.executable).parent / "chalice"
    out = tmp_path_factory.mktemp("packages")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    built = {}
    for service in SERVICES:
        target = out / service
        subprocess.run([str(chalice), "package", "--stage", "dev", str(target)], cwd=ROOT / "services" / service,
                       env=env, check=True, capture_output=True)
        built[service] = target
    return built


@pytest.mark.parametrize("service", SERVICES)
def test_package_contains_shared_and_imports_cleanly(service, packages, clean_python, tmp_path):
    archive = packages[service] / "deployment.zip"
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
        assert "app.py" in names and "telehealth_shared/edge.py" in names and "chalicelib/__init__.py" in names
        assert not any(name.startswith(("tests/", "infra/", ".venv/")) for name in names)
        zipped.extractall(tmp_path / "task")
    probe = ("import sys, json; sys.path.insert(0, '.')\n"
             "import botocore.client as c\n"
             "made = []; original = c.BaseClient.__init__\n"
             "def spy(self, *a, **k): made.append(1); original(self, *a, **k)\n"
             "c.BaseClient.__init__ = spy\n"
             "import app\n"
             "print(json.dumps({'service': app.app.service, 'routes': sorted(app.app.routes), 'clients': len(made)}))")
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "HOME": str(tmp_path)}
    result = subprocess.run([str(clean_python), "-I", "-c", probe], cwd=tmp_path / "task", env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert info["service"] == service and "/health" in info["routes"]
    assert info["clients"] == 0, "importing app.py must not create AWS clients"


def test_identity_package_declares_the_trigger_function(packages):
    template = json.loads((packages["identity"] / "sam.json").read_text())
    handlers = {r["Properties"]["Handler"] for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"}
    assert "app.post_confirmation" in handlers


def _preflights(template):
    """{path: the response parameters of the OPTIONS method API Gateway answers preflights with}."""
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    return {path: methods.get("options", {}).get("x-amazon-apigateway-integration", {})
            .get("responses", {}).get("default", {}).get("responseParameters", {})
            for path, methods in paths.items()}, paths


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_gets_an_api_gateway_preflight(service, packages):
    template = json.loads((packages[service] / "sam.json").read_text())
    preflights, paths = _preflights(template)
    assert len(paths) > 2
    for path, params in preflights.items():
        header = lambda name: params.get(f"method.response.header.Access-Control-{name}", "").strip("'")  # noqa: E731
        assert header("Allow-Origin") == "http://127.0.0.1:8000", path
        allowed = {h.lower() for h in header("Allow-Headers").split(",")}
        assert {"authorization", "content-type", "idempotency-key", "x-request-id"} <= allowed, path
        assert header("Expose-Headers").split(",") == ["x-request-id", "Idempotent-Replayed", "Retry-After"], path
        assert header("Max-Age") == "600", path
        methods = set(header("Allow-Methods").split(","))
        assert {m.upper() for m in paths[path] if m != "options"} | {"OPTIONS"} == methods, path


def test_the_stage_origin_reaches_the_api_gateway_preflight(tmp_path):
    """A stage's TELEHEALTH_CORS_ALLOW_ORIGIN (written by chalice_config_from_terraform.py from
    Terraform's console_origin) is what the packaged API answers."""
    subprocess.run(["make", "-s", "vendor"], cwd=ROOT, check=True)
    project = tmp_path / "identity"
    shutil.copytree(ROOT / "services" / "identity", project,
                    ignore=shutil.ignore_patterns("__pycache__", "deployments", "deployed"))
    config_path = project / ".chalice" / "config.json"
    config = json.loads(config_path.read_text())
    config["stages"]["dev"]["environment_variables"]["TELEHEALTH_CORS_ALLOW_ORIGIN"] = "https://console.clinic.example"
    config_path.write_text(json.dumps(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEHEALTH_CORS")}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run([str(chalice), "package", "--stage", "dev", str(tmp_path / "out")], cwd=project,
                   env=env, check=True, capture_output=True)
    preflights, _ = _preflights(json.loads((tmp_path / "out" / "sam.json").read_text()))
    assert {p["method.response.header.Access-Control-Allow-Origin"] for p in preflights.values()} == {
        "'https://console.clinic.example'"}
