"""The served OpenAPI document is valid, covers every scheduling route, and matches docs/api."""
import json
from pathlib import Path

from chalice.test import Client
from openapi_spec_validator import validate

import app as scheduling

CHECKED_IN = Path(__file__).resolve().parents[3] / "docs" / "api" / "scheduling.json"


def test_served_document_matches_checked_in_copy():
    with Client(scheduling.app) as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    served = json.loads(response.body)
    validate(served)
    assert served == json.loads(CHECKED_IN.read_text()), "run scripts/export_openapi.py scheduling"
    assert set(served["paths"]["/appointments"]) == {"get", "post"}
    assert set(served["paths"]["/appointments/{appointment_id}"]) == {"get", "patch", "delete"}
    create = served["paths"]["/appointments"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]] and "409" in create["responses"]
