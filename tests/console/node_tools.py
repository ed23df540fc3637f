"""Node and npm for the console suite: installing the pinned packages and running programs."""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIR = REPO_ROOT / "clients" / "typescript"
CONSOLE_DIR = REPO_ROOT / "console"
NODE = shutil.which("node")
NPM = shutil.which("npm")

_install_lock = threading.Lock()


def require_node() -> None:
    if NODE is None or NPM is None:
        pytest.fail("node (20+) and npm are needed for the console suite")


def npm_ci(directory: Path) -> None:
    """`npm ci` from the committed lockfile unless node_modules matches it already."""
    require_node()
    marker = directory / "node_modules" / ".package-lock.json"
    lock = directory / "package-lock.json"
    with _install_lock:
        if marker.is_file() and marker.stat().st_mtime >= lock.stat().st_mtime:
            return
        result = subprocess.run([NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=directory,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"npm ci in {directory} failed:\n{result.stdout}\n{result.stderr}"


def run_node(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    require_node()
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
