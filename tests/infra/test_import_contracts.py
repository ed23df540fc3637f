"""The import contracts (.importlinter, .importlinter-service) hold, and the check breaks on a violation."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from check_imports import lint_service  # noqa: E402


def test_every_import_contract_holds() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_imports.py")], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("0 broken") == 5, proc.stdout  # the shared process and four services


def test_a_service_importing_the_local_stack_breaks_its_contract(tmp_path: Path, capfd) -> None:
    service = tmp_path / "identity"
    shutil.copytree(ROOT / "services" / "identity", service, ignore=shutil.ignore_patterns("vendor", "__pycache__"))
    (service / "chalicelib" / "reaches_out.py").write_text('"""Breaks the rule."""\nimport telehealth_local.outbox\n')
    assert lint_service(service) != 0
    assert "chalicelib.reaches_out -> telehealth_local" in capfd.readouterr().out


def test_app_py_imports_are_checked_too(tmp_path: Path, capfd) -> None:
    service = tmp_path / "messaging"
    shutil.copytree(ROOT / "services" / "messaging", service, ignore=shutil.ignore_patterns("vendor", "__pycache__"))
    app = service / "app.py"
    app.write_text(app.read_text() + "\nimport telehealth_client  # noqa\n")
    assert lint_service(service) != 0
    assert "service_entry.app -> telehealth_client" in capfd.readouterr().out
