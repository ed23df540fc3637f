"""The served OpenAPI document is valid, covers every messaging route, and matches docs/api."""
import json
from pathlib import Path

from chalice.test import Client
from openapi_spec_validator import validate

import app as messaging

CHECKED_IN = Path(__file__).resolve().parents[3] / "docs" / "api" / "messaging.json"


def test_served_document_matches_checked_in_copy():
    with Client(messaging.app) as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    served = json.loads(response.body)
    validate(served)
    assert served == json.loads(CHECKED_IN.read_text()), "run scripts/export_openapi.py messaging"
    base = "/appointments/{appointment_id}"
    assert {base + "/check-in", base + "/check-out", base + "/presence", base + "/messages", "/session"} <= set(served["paths"])
    assert {"get", "post"} == set(served["paths"][base + "/messages"])
