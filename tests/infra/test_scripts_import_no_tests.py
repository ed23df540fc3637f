"""Scripts import no test code: nothing under scripts/ imports a module that lives under tests/ or
puts tests/ on its path (what tests and benchmarks share lives in scripts/harness/)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
# Only the test runner names tests/: it runs the suites there.
RUNNER = SCRIPTS / "run_tests.py"


def modules_under_tests() -> set[str]:
    """Top-level names a test module or package could be imported by."""
    names = {path.stem for path in (ROOT / "tests").rglob("*.py") if "node_modules" not in path.parts}
    names |= {path.name for path in (ROOT / "tests").iterdir() if path.is_dir()}
    return names


def script_modules() -> set[str]:
    return {path.stem for path in SCRIPTS.rglob("*.py")} | {path.name for path in SCRIPTS.rglob("*") if path.is_dir()}


def test_no_script_imports_test_code() -> None:
    forbidden = modules_under_tests() - script_modules()
    found = []
    for path in sorted(SCRIPTS.rglob("*.py")):
        source = path.read_text()
        for node in ast.walk(ast.parse(source, str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {name}" for name in names
                      if name.split(".")[0] in forbidden]
        if path != RUNNER and re.search(r'["\']tests["\']\s*\)?\s*\)', source):
            found.append(f"{path.relative_to(ROOT)} puts tests/ on its path")
    assert not found, "\n".join(found)
