#!/usr/bin/env python3
"""Applies each service's API Gateway throttling (`api_gateway_throttling` in its Chalice config,
overridable per stage)
to the REST API `chalice deploy` created for that stage. Run after every `chalice deploy`.

Chalice has no throttling setting of its own, so the numbers live in the stage config beside
everything else about the stage, and this script turns them into stage method settings.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parent.parent


def limits_for(service_dir: Path, stage: str) -> dict[str, float]:
    config = json.loads((service_dir / ".chalice" / "config.json").read_text())
    stage_config = config.get("stages", {}).get(stage)
    if stage_config is None:
        raise SystemExit(f"{service_dir.name}: no stage {stage!r} in .chalice/config.json")
    limits = stage_config.get("api_gateway_throttling") or config.get("api_gateway_throttling")
    if not limits or "rate_limit" not in limits or "burst_limit" not in limits:
        raise SystemExit(f"{service_dir.name}: stage {stage!r} sets no api_gateway_throttling {{rate_limit, burst_limit}}")
    return {"rate_limit": float(limits["rate_limit"]), "burst_limit": int(limits["burst_limit"])}


def deployed_api(service_dir: Path, stage: str) -> tuple[str, str]:
    """(rest api id, API Gateway stage name) of the stage Chalice deployed."""
    deployed = service_dir / ".chalice" / "deployed" / f"{stage}.json"
    if not deployed.is_file():
        raise SystemExit(f"{service_dir.name}: {deployed} missing: run `chalice deploy --stage {stage}` first")
    resources = json.loads(deployed.read_text()).get("resources", [])
    api = next((r for r in resources if r.get("resource_type") == "rest_api"), None)
    if api is None:
        raise SystemExit(f"{service_dir.name}: no rest_api in {deployed}")
    config = json.loads((service_dir / ".chalice" / "config.json").read_text())
    stage_name = config["stages"][stage].get("api_gateway_stage") or config.get("api_gateway_stage", "api")
    return api["rest_api_id"], stage_name


def apply(client: Any, service_dir: Path, stage: str) -> dict[str, Any]:
    limits = limits_for(service_dir, stage)
    rest_api_id, stage_name = deployed_api(service_dir, stage)
    client.update_stage(restApiId=rest_api_id, stageName=stage_name, patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(limits["rate_limit"])},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(limits["burst_limit"])},
    ])
    return {"service": service_dir.name, "rest_api_id": rest_api_id, **limits}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--services-dir", default=str(ROOT / "services"),
                        help="the folder holding <service>/.chalice (default services/)")
    parser.add_argument("services", nargs="*", default=list(SERVICES))
    args = parser.parse_args()
    import boto3

    client = boto3.client("apigateway")
    for service in args.services:
        result = apply(client, Path(args.services_dir) / service, args.stage)
        print(f"{result['service']}: {result['rate_limit']:g} requests/s, burst {result['burst_limit']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
