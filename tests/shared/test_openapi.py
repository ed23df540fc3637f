"""The OpenAPI document is generated from routes and models and is a valid OpenAPI 3.1 document."""
import json

from chalice.test import Client
from openapi_spec_validator import validate

from telehealth_shared.edge import TelehealthApp
from telehealth_shared.models.appointments import Appointment, CreateAppointmentRequest, ListAppointmentsQuery, AppointmentsPage


def _app():
    app = TelehealthApp("sample")

    @app.api_route("/appointments", methods=["POST"], roles=["doctor"], body=CreateAppointmentRequest, status=201,
                   response=Appointment, headers=["Idempotency-Key"], errors=[409])
    def create(principal, body):
        """Book an appointment."""

    @app.api_route("/appointments", query=ListAppointmentsQuery, response=AppointmentsPage)
    def listing(principal, query):
        """List my appointments."""

    @app.api_route("/appointments/{appointment_id}", auth=False)
    def get(appointment_id):
        """Read one."""

    return app


def test_document_is_valid_and_describes_each_route():
    app = _app()
    with Client(app) as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.body)
    validate(document)
    create = document["paths"]["/appointments"]["post"]
    assert create["summary"] == "Book an appointment."
    assert set(create["responses"]) == {"201", "400", "401", "403", "409", "413", "415", "429", "503"}
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("CreateAppointmentRequest")
    assert {"name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"}} in create["parameters"]
    assert create["x-roles"] == ["doctor"]
    appointment = document["components"]["schemas"]["Appointment"]
    assert appointment["additionalProperties"] is False
    listing = document["paths"]["/appointments"]["get"]
    names = {p["name"]: p for p in listing["parameters"]}
    assert {"from", "to", "status", "limit", "next_token"} == set(names)
    assert "anyOf" not in names["limit"]["schema"] and names["limit"]["schema"]["maximum"] == 100
    single = document["paths"]["/appointments/{appointment_id}"]["get"]
    assert single["security"] == [] and "404" in single["responses"] and "401" not in single["responses"]
    assert "ErrorBody" in document["components"]["schemas"]
