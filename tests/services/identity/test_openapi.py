"""The served OpenAPI document is valid, covers every identity route, and matches docs/api."""
import json
from pathlib import Path

from chalice.test import Client
from openapi_spec_validator import validate

import app as identity

CHECKED_IN = Path(__file__).resolve().parents[3] / "docs" / "api" / "identity.json"


def test_served_document_matches_checked_in_copy():
    with Client(identity.app) as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    served = json.loads(response.body)
    validate(served)
    assert served == json.loads(CHECKED_IN.read_text()), "run scripts/export_openapi.py identity"
    assert {"/signup", "/confirm", "/signin", "/refresh", "/me", "/patients"} <= set(served["paths"])
    assert "403" in served["paths"]["/patients"]["get"]["responses"]
