"""The web console: it type-checks against the generated client, and in Debian's Chromium
(playwright-core, console/tests/*.test.mjs) CORS works as a browser enforces it and a whole
visit is played (admin, doctor, patient in their own contexts) with an axe-core scan and a
screenshot of every page (build/console-screenshots/; `make console-screenshots` rewrites
docs/screenshots/)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from node_tools import CONSOLE_DIR, NODE, NPM, REPO_ROOT, npm_ci, run_node

pytestmark = pytest.mark.timeout(900)
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="module", autouse=True)
def built_console() -> None:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: run `make chromium`"
    npm_ci(CONSOLE_DIR)
    if not (CONSOLE_DIR / "dist" / "index.html").is_file():
        result = run_node(["npm", "run", "-s", "build"], CONSOLE_DIR)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_console_type_checks_against_the_generated_client():
    result = run_node([NPM, "run", "-s", "typecheck"], CONSOLE_DIR)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _run(test_file: str, stack_file: Path) -> None:
    screenshots = os.environ.get("TELEHEALTH_SCREENSHOT_DIR") or str(REPO_ROOT / "build" / "console-screenshots")
    result = run_node([NODE, "--test", "--test-concurrency=1", f"tests/{test_file}"], CONSOLE_DIR,
                      env={"TELEHEALTH_TEST_STACK": str(stack_file), "TELEHEALTH_SCREENSHOT_DIR": screenshots,
                           "CHROMIUM": str(CHROMIUM)}, timeout=800)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
    assert "# fail 0" in result.stdout
    assert "# skipped 0" in result.stdout, "every browser step runs on this branch"


def test_cors_in_the_browser(stack_file):
    _run("cors.test.mjs", stack_file)


def test_a_visit_through_the_console(stack_file):
    _run("visit.test.mjs", stack_file)
