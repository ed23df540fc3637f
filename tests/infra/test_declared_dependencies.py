"""Each of our packages declares, in its pyproject.toml, every third-party package it imports,
with a range that holds the version pinned in requirements/constraints.txt."""
from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"shared": "telehealth_shared", "infra/local": "telehealth_local", "client": "telehealth_client"}
OURS = {"telehealth_shared": "telehealth-shared", "telehealth_local": "telehealth-local",
        "telehealth_client": "telehealth-client"}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_top_level_names(package_dir: Path) -> dict[str, Path]:
    """Every absolute import in the package (module level or inside functions), by top-level name."""
    names: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names.setdefault(alias.name.split(".")[0], path)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.setdefault(node.module.split(".")[0], path)
    return names


def pins() -> dict[str, str]:
    lines = (ROOT / "requirements" / "constraints.txt").read_text().splitlines()
    return {normalized(name): version for name, _, version in
            (line.partition("==") for line in lines if "==" in line and not line.startswith("#"))}


@pytest.mark.parametrize("folder", sorted(PACKAGES))
def test_every_third_party_import_is_declared(folder: str) -> None:
    project = tomllib.loads((ROOT / folder / "pyproject.toml").read_text())["project"]
    declared = {normalized(Requirement(spec).name) for spec in project.get("dependencies", [])}
    distributions = importlib.metadata.packages_distributions()
    own = PACKAGES[folder]
    missing = []
    for name, path in imported_top_level_names(ROOT / folder / own).items():
        if name in sys.stdlib_module_names or name == own:
            continue
        provider = OURS.get(name) or next(iter(distributions.get(name, [])), None)
        assert provider is not None, f"{path.relative_to(ROOT)} imports {name}, which no installed distribution provides"
        if normalized(provider) not in declared:
            missing.append(f"{provider} (imported as {name} in {path.relative_to(ROOT)})")
    assert not missing, f"{folder}/pyproject.toml does not declare: " + ", ".join(missing)


@pytest.mark.parametrize("folder", sorted(PACKAGES))
def test_declared_ranges_hold_the_pinned_versions(folder: str) -> None:
    project = tomllib.loads((ROOT / folder / "pyproject.toml").read_text())["project"]
    pinned = pins()
    ours = {v: "0.1.0" for v in OURS.values()}
    for spec in project.get("dependencies", []):
        requirement = Requirement(spec)
        version = ours.get(normalized(requirement.name)) or pinned.get(normalized(requirement.name))
        assert version, f"{folder}: {requirement.name} is not pinned in requirements/constraints.txt"
        assert requirement.specifier.contains(version), f"{folder}: {spec} excludes the pinned {version}"
