"""The services' IAM policy documents (infra/policies/*.json), filled in with one stack's ARNs.

Terraform reads the same files with templatefile(), so the roles the local stack creates are
the deployed ones. A placeholder is `${name}` inside a JSON string; nothing else is special.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

from ..layout import POLICIES_DIR, SERVICES

SERVICE_POLICIES = SERVICES
SESSION_POLICY = "messaging-session"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def policy_path(name: str, directory: Path | str = POLICIES_DIR) -> Path:
    return Path(directory) / f"{name}.json"


def render(name: str, variables: Mapping[str, str], directory: Path | str = POLICIES_DIR) -> dict[str, Any]:
    """The policy document `name` with every placeholder replaced (KeyError names a missing one)."""
    text = policy_path(name, directory).read_text()

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in variables:
            raise KeyError(f"{policy_path(name, directory)} needs a value for ${{{key}}}")
        return str(variables[key])

    return json.loads(_PLACEHOLDER.sub(fill, text))


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def granted_actions(name: str, directory: Path | str = POLICIES_DIR) -> set[str]:
    """Every action the file allows (placeholders need no values for this)."""
    document = json.loads(policy_path(name, directory).read_text())
    return {action for statement in document["Statement"] if statement.get("Effect") == "Allow"
            for action in _as_list(statement.get("Action", []))}
