"""Each service's stage config sets API Gateway throttling, and the post-deploy script applies it."""
import importlib.util
import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("apply_api_limits", ROOT / "scripts" / "apply_api_limits.py")
apply_api_limits = importlib.util.module_from_spec(spec)
spec.loader.exec_module(apply_api_limits)


@pytest.mark.parametrize("service", apply_api_limits.SERVICES)
def test_every_service_dev_stage_sets_throttling(service):
    limits = apply_api_limits.limits_for(ROOT / "services" / service, "dev")
    assert 0 < limits["rate_limit"] <= limits["burst_limit"]


def test_script_applies_the_stage_limits_to_the_deployed_api(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    service_dir = tmp_path / "identity"
    (service_dir / ".chalice" / "deployed").mkdir(parents=True)
    config = json.loads((ROOT / "services" / "identity" / ".chalice" / "config.json").read_text())
    (service_dir / ".chalice" / "config.json").write_text(json.dumps(config))
    with mock_aws():
        client = boto3.client("apigateway", region_name="us-east-1")
        api = client.create_rest_api(name="telehealth-identity")["id"]
        root = client.get_resources(restApiId=api)["items"][0]["id"]
        client.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
        client.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        client.create_deployment(restApiId=api, stageName="api")
        (service_dir / ".chalice" / "deployed" / "dev.json").write_text(json.dumps(
            {"resources": [{"name": "rest_api", "resource_type": "rest_api", "rest_api_id": api}]}))
        result = apply_api_limits.apply(client, service_dir, "dev")
        settings = client.get_stage(restApiId=api, stageName="api")["methodSettings"]["*/*"]
    expected = config["api_gateway_throttling"]
    assert settings["throttlingRateLimit"] == expected["rate_limit"] == result["rate_limit"]
    assert settings["throttlingBurstLimit"] == expected["burst_limit"]


def test_script_refuses_a_stage_that_was_not_deployed(tmp_path):
    service_dir = tmp_path / "calling"
    (service_dir / ".chalice").mkdir(parents=True)
    (service_dir / ".chalice" / "config.json").write_text((ROOT / "services" / "calling" / ".chalice" / "config.json").read_text())
    with pytest.raises(SystemExit, match="chalice deploy"):
        apply_api_limits.deployed_api(service_dir, "dev")
