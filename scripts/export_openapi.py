#!/usr/bin/env python3
"""Writes (or with --check, compares) docs/api/<service>.json from each service's route table,
and beside it docs/api/<service>.md, the reference page rendered from that document.

Each service is imported in its own interpreter: two Chalice apps cannot share a process.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess  # nosec B404: developer tooling starting our own Python processes
import sys
from pathlib import Path

from api_reference import render as render_reference
from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parent.parent
DUMP = ("import json, app; from telehealth_shared.openapi import build_openapi; "
        "print(json.dumps(build_openapi(app.app), indent=2, sort_keys=True))")


def render(service: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "services" / service)}
    result = subprocess.run([sys.executable, "-c", DUMP], cwd=ROOT / "services" / service, env=env,  # nosec B603: fixed argv of our own programs, no shell
                            capture_output=True, text=True, check=True)
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a checked-in document is stale")
    parser.add_argument("services", nargs="*", default=list(SERVICES))
    args = parser.parse_args()
    stale = []
    for service in args.services:
        document = render(service)
        target = ROOT / "docs" / "api" / f"{service}.json"
        page, reference = target.with_suffix(".md"), render_reference(service, json.loads(document))
        if args.check:
            if not target.exists() or json.loads(target.read_text()) != json.loads(document):
                stale.append(service)
            if not page.exists() or page.read_text() != reference:
                stale.append(f"{service} (reference page)")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(document)
            page.write_text(reference)
            print(f"wrote {target.relative_to(ROOT)} and {page.relative_to(ROOT)}")
    if stale:
        print("stale OpenAPI documents (run scripts/export_openapi.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
