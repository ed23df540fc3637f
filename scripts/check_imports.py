#!/usr/bin/env python3
"""Checks the import contracts (import-linter): the shared process's packages, then each service alone.

`.importlinter` holds the contracts for telehealth_shared, telehealth_local and telehealth_client;
`.importlinter-service` those every service keeps. A service is analysed with only itself on the
path, as it runs (its packages are the top-level `app` and `chalicelib`, as in every service),
and its app.py is copied into a throwaway package because grimp analyses packages only.
Prints lint-imports' own report and exits non-zero when any contract is broken.
"""
from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404: developer tooling starting our own Python processes
import sys
import tempfile
from pathlib import Path

from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(title: str, config: Path, pythonpath: list[Path]) -> int:
    print(f"=== {title} ===", flush=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in pythonpath), PYTHONDONTWRITEBYTECODE="1")
    # --no-cache: the cache folder would otherwise land in the working tree.
    argv = [str(LINT_IMPORTS), str(config), "--no-cache"]
    return subprocess.run(argv, cwd=ROOT, env=env).returncode  # nosec B603: fixed argv of our own tools, no shell


def lint_service(service_dir: Path) -> int:
    """Checks one service folder (app.py + chalicelib/) against .importlinter-service."""
    with tempfile.TemporaryDirectory(prefix=f"imports-{service_dir.name}-") as tmp:
        entry = Path(tmp) / "service_entry"
        entry.mkdir()
        (entry / "__init__.py").write_text('"""The service\'s app.py, copied here for the import check."""\n')
        shutil.copy(service_dir / "app.py", entry / "app.py")
        return lint(f"service {service_dir.name}", ROOT / ".importlinter-service",
                    [Path(tmp), service_dir, ROOT / "shared"])


def main() -> int:
    failures = lint("telehealth_shared, telehealth_local, telehealth_client", ROOT / ".importlinter",
                    [ROOT / "shared", ROOT / "infra" / "local", ROOT / "client"]) != 0
    failures += sum(lint_service(ROOT / "services" / service) != 0 for service in SERVICES)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
