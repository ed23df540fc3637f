"""Decides whether an inline session policy (AssumeRole `Policy`) allows one action on one
resource: the subset of IAM policy evaluation the session server needs for chime:Connect."""
from __future__ import annotations

import json
import re
from typing import Any


def session_policy_allows(policy_text: str, action: str, resource: str) -> bool:
    """True when some statement allows `action` on `resource` and none denies it.

    Deliberately fail-closed where this evaluator is simpler than IAM: a policy that is not
    valid JSON allows nothing; an Allow statement with a Condition is not counted (conditions
    are not evaluated) while a Deny statement with a Condition is applied as if it matched.
    """
    try:
        document = json.loads(policy_text)
    except ValueError:
        return False
    if not isinstance(document, dict):
        return False
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return False

    allowed = False
    for statement in statements:
        if not isinstance(statement, dict) or not _applies(statement, action, resource):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return False
        if effect == "Allow" and "Condition" not in statement:
            allowed = True
    return allowed


def _applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement:
        action_hit = _any_match(statement["Action"], action, case_sensitive=False)
    elif "NotAction" in statement:
        action_hit = not _any_match(statement["NotAction"], action, case_sensitive=False)
    else:
        return False
    if "Resource" in statement:
        resource_hit = _any_match(statement["Resource"], resource, case_sensitive=True)
    elif "NotResource" in statement:
        resource_hit = not _any_match(statement["NotResource"], resource, case_sensitive=True)
    else:
        return False
    return action_hit and resource_hit


def _any_match(patterns: Any, value: str, *, case_sensitive: bool) -> bool:
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list):
        return False
    return any(
        isinstance(pattern, str) and _wildcard(pattern, case_sensitive).fullmatch(value)
        for pattern in patterns
    )


def _wildcard(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    # IAM wildcards: `*` is any run of characters, `?` exactly one; nothing else is special.
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(regex, re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)
