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

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["identity", "scheduling", "messaging", "calling"]
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
