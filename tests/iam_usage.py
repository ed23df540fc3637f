"""Compares what each service role was allowed or refused on a local stack (the endpoint's
record, GET /_local/iam/usage) with what its policy file in infra/policies/ grants."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from telehealth_local.iam.policies import SERVICE_POLICIES, SESSION_POLICY, granted_actions

ROLES = (*SERVICE_POLICIES, SESSION_POLICY)


def service_of(role: str, stage: str = "local") -> str | None:
    """identity for telehealth-local-identity; None for roles no policy file describes."""
    prefix = f"telehealth-{stage}-"
    name = role[len(prefix):] if role.startswith(prefix) else None
    return name if name in ROLES else None


def grant_report(records: Iterable[Mapping[str, Any]], stage: str = "local") -> dict[str, dict[str, list[str]]]:
    """Per policy file: actions granted but never used, and actions used but refused."""
    used: dict[str, set[str]] = {name: set() for name in ROLES}
    refused: dict[str, set[str]] = {name: set() for name in ROLES}
    for record in records:
        service = service_of(record["role"], stage)
        if service is None:
            continue
        (used if record["outcome"] == "allowed" else refused)[service].add(record["action"])
    return {name: {"granted_never_used": sorted(granted_actions(name) - used[name]),
                   "used_not_granted": sorted(refused[name])} for name in ROLES}


def format_report(report: Mapping[str, Mapping[str, list[str]]]) -> str:
    lines = ["IAM grants against use (infra/policies/ vs the local endpoint's record):"]
    for name, findings in report.items():
        unused = ", ".join(findings["granted_never_used"]) or "-"
        refused = ", ".join(findings["used_not_granted"]) or "-"
        lines.append(f"  {name:<18} granted, never used: {unused}")
        lines.append(f"  {'':<18} used, not granted:   {refused}")
    return "\n".join(lines)
