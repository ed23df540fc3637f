"""Security audit in CI: bandit on our code (zero findings; the few accepted ones are justified
inline with `# nosec`), pip-audit on every service's pinned runtime requirements."""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".venvs" / "audit" / "bin"
OUR_CODE = ["shared/telehealth_shared", "infra/local/telehealth_local", "client/telehealth_client", "scripts"] + [
    f"services/{s}/{part}" for s in ("identity", "scheduling", "messaging", "calling") for part in ("app.py", "chalicelib")]


def _tool(name):
    path = TOOLS / name
    if not path.exists():
        pytest.skip(f"{path} missing: `make install` creates it from requirements/audit.txt")
    return str(path)


def test_bandit_finds_nothing_in_our_code():
    result = subprocess.run([_tool("bandit"), "-q", "-r", *OUR_CODE, "-f", "custom",
                             "--msg-template", "{relpath}:{line}: {test_id}[{severity}] {msg}"],
                            cwd=ROOT, capture_output=True, text=True)
    findings = [line for line in result.stdout.splitlines() if ": B" in line]
    assert result.returncode == 0 and not findings, "\n".join(findings) or result.stderr[-2000:]


def _vulnerability_database_reachable() -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=10) as response:  # nosec B310: fixed https URL
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_pip_audit_every_service_requirements():
    tool = _tool("pip-audit")
    if not _vulnerability_database_reachable():
        pytest.skip("pip-audit's vulnerability database (PyPI's JSON API) is not reachable from this machine; "
                    "only the package index is")
    files = [ROOT / "services" / s / "requirements.txt" for s in ("identity", "scheduling", "messaging", "calling")]
    args = [tool, "--progress-spinner", "off", "--strict"]
    for path in files:
        args += ["-r", str(path)]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
