"""The calling service's served OpenAPI document is valid and covers every calling route."""
import json
from pathlib import Path

from chalice.test import Client
from openapi_spec_validator import validate

import app as calling


def test_served_document_is_valid_and_complete():
    with Client(calling.app) as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    served = json.loads(response.body)
    validate(served)
    paths = served["paths"]
    meeting = "/appointments/{appointment_id}/meeting"
    assert set(paths[meeting]) == {"post", "get", "delete"}
    assert "post" in paths[meeting + "/join"] and "post" in paths[meeting + "/decline"]
    assert "post" in paths["/appointments/{appointment_id}/phone-call"]
    assert "403" in paths[meeting]["post"]["responses"] and "409" in paths[meeting]["post"]["responses"]
    assert "202" in paths["/appointments/{appointment_id}/phone-call"]["post"]["responses"]
    assert paths[meeting]["post"]["requestBody"]["required"] is False
    checked_in = Path(__file__).resolve().parents[3] / "docs" / "api" / "calling.json"
    assert served == json.loads(checked_in.read_text()), "run scripts/export_openapi.py calling"


def test_health():
    with Client(calling.app) as client:
        response = client.http.get("/health")
    assert json.loads(response.body) == {"status": "ok", "service": "calling"}
