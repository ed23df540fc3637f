"""docs/api/<service>.md is what scripts/export_openapi.py renders from docs/api/<service>.json today
(the service suites check the JSON against the route tables)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from api_reference import render  # noqa: E402



@pytest.mark.parametrize("service", SERVICES)
def test_reference_page_matches_its_openapi_document(service: str) -> None:
    document = json.loads((ROOT / "docs" / "api" / f"{service}.json").read_text())
    page = ROOT / "docs" / "api" / f"{service}.md"
    assert page.read_text() == render(service, document), f"run scripts/export_openapi.py {service}"


@pytest.mark.parametrize("service", SERVICES)
def test_reference_page_lists_every_operation_with_its_statuses(service: str) -> None:
    document = json.loads((ROOT / "docs" / "api" / f"{service}.json").read_text())
    page = (ROOT / "docs" / "api" / f"{service}.md").read_text()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            section = page.split(f"## {method.upper()} `{path}`\n", 1)[1].split("\n## ", 1)[0]
            for status in operation["responses"]:
                assert f"\n| {status} |" in section, (method, path, status)
