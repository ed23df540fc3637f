"""Security audit in CI: bandit on our code (zero findings; the few accepted ones are justified
inline with `# nosec`), pip-audit on every service's pinned runtime requirements."""
import subprocess
from pathlib import Path

import pytest
from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".venvs" / "audit" / "bin"
OUR_CODE = ["shared/telehealth_shared", "infra/local/telehealth_local", "client/telehealth_client", "scripts"] + [
    f"services/{s}/{part}" for s in SERVICES for part in ("app.py", "chalicelib")]


def _tool(name):
    path = TOOLS / name
    if not path.exists():
        pytest.skip(f"{path} missing: `make install` creates it from requirements/audit.txt")
    return str(path)


# Test support the suites and benchmarks share (asserts and throwaway test passwords), as tests/ itself.
TEST_SUPPORT = "scripts/harness"


def test_bandit_finds_nothing_in_our_code():
    result = subprocess.run([_tool("bandit"), "-q", "-r", *OUR_CODE, "-x", TEST_SUPPORT, "-f", "custom",
                             "--msg-template", "{relpath}:{line}: {test_id}[{severity}] {msg}"],
                            cwd=ROOT, capture_output=True, text=True)
    findings = [line for line in result.stdout.splitlines() if ": B" in line]
    assert result.returncode == 0 and not findings, "\n".join(findings) or result.stderr[-2000:]


def test_pip_audit_every_service_requirements():
    tool = _tool("pip-audit")
    files = [ROOT / "services" / s / "requirements.txt" for s in SERVICES]
    args = [tool, "--progress-spinner", "off"]
    for path in files:
        args += ["-r", str(path)]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    output = result.stdout + result.stderr
    # Any known vulnerability in what could be audited fails, whatever else happened.
    assert result.returncode == 0 and "known vulnerabilit" not in output.replace("No known vulnerabilities", ""), output[-3000:]
    unaudited = sorted({line.split(":")[-1].strip() for line in output.splitlines() if "could not be audited" in line})
    if unaudited:
        pytest.skip("pip-audit found no known vulnerabilities but could not audit "
                    f"{len(unaudited)} package(s) (their vulnerability data is not served to this machine): "
                    + ", ".join(unaudited))
