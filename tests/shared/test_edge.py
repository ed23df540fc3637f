"""The HTTP edge: body parsing, error bodies, role checks, AWS failures, request ids, logs."""
import json
import logging

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from chalice.test import Client

from telehealth_shared import auth
from telehealth_shared.auth import Principal
from telehealth_shared.edge import TelehealthApp
from telehealth_shared.errors import Conflict
from telehealth_shared.models.identity import SigninRequest


class FakeVerifier:
    def verify(self, token):
        if token == "doctor":
            return Principal(user_id="d1", role="doctor", name="", email="")
        raise auth.Unauthorized("The token is not valid.")


@pytest.fixture
def client():
    auth.set_default_verifier(FakeVerifier())
    app = TelehealthApp("test")

    @app.api_route("/echo", methods=["POST"], auth=False, body=SigninRequest)
    def echo(body):
        return {"email": body.email}

    @app.api_route("/doctors-only", roles=["doctor"])
    def doctors_only(principal):
        return {"user_id": principal.user_id}

    @app.api_route("/conflict", auth=False)
    def conflict():
        raise Conflict("The appointment is cancelled.")

    @app.api_route("/throttled", auth=False)
    def throttled():
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "arn:aws:secret"}}, "X")

    @app.api_route("/aws-down", auth=False)
    def aws_down():
        raise EndpointConnectionError(endpoint_url="http://x")

    @app.api_route("/bug", auth=False)
    def bug():
        raise RuntimeError("secret internal detail +14155550100")

    with Client(app) as test_client:
        yield test_client
    auth.set_default_verifier(None)


def _json(response):
    return json.loads(response.body)


def test_health(client):
    assert _json(client.http.get("/health")) == {"status": "ok", "service": "test"}


def test_body_validation_and_size(client):
    headers = {"content-type": "application/json"}
    ok = client.http.post("/echo", headers=headers, body=json.dumps({"email": "A@B.co", "password": "x"}))
    assert ok.status_code == 200 and _json(ok) == {"email": "a@b.co"}
    assert ok.headers["x-request-id"]
    empty = client.http.post("/echo", headers=headers, body="")
    assert empty.status_code == 400 and _json(empty)["error"]["code"] == "ValidationError"
    array = client.http.post("/echo", headers=headers, body="[]")
    assert array.status_code == 400
    huge = client.http.post("/echo", headers=headers, body=json.dumps({"email": "a@b.co", "password": "x" * 20000}))
    assert huge.status_code == 413 and _json(huge)["error"]["code"] == "PayloadTooLarge"


def test_roles_and_tokens(client):
    assert client.http.get("/doctors-only").status_code == 401
    assert client.http.get("/doctors-only", headers={"Authorization": "Bearer forged"}).status_code == 401
    response = client.http.get("/doctors-only", headers={"Authorization": "Bearer doctor"})
    assert response.status_code == 200 and _json(response) == {"user_id": "d1"}


def test_domain_and_aws_errors_map_without_leaking(client, caplog):
    conflict = client.http.get("/conflict")
    assert conflict.status_code == 409 and _json(conflict) == {"error": {"code": "Conflict", "message": "The appointment is cancelled."}}
    throttled = client.http.get("/throttled")
    assert throttled.status_code == 429 and "arn:" not in throttled.body.decode()
    down = client.http.get("/aws-down")
    assert down.status_code == 503 and _json(down)["error"]["code"] == "Unavailable"
    with caplog.at_level(logging.INFO):
        bug = client.http.get("/bug")
    assert bug.status_code == 500 and "secret" not in bug.body.decode()
    assert "+14155550100" not in caplog.text


def test_request_id_is_echoed_when_safe(client):
    response = client.http.get("/health")
    assert client.http.get("/conflict", headers={"x-request-id": "abc12345-req"}).headers["x-request-id"] == "abc12345-req"
    assert client.http.get("/conflict", headers={"x-request-id": "bad id\n"}).headers["x-request-id"] != "bad id\n"
    assert response.status_code == 200


def test_current_request_is_per_thread():
    import threading

    app = TelehealthApp("threads")
    seen = {}
    barrier = threading.Barrier(2)

    def serve(name):
        app.current_request = name
        barrier.wait()
        seen[name] = app.current_request

    threads = [threading.Thread(target=serve, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert seen == {"a": "a", "b": "b"}


def test_optional_body_defaults_when_absent():
    from telehealth_shared.edge import parse_body
    from telehealth_shared.errors import ValidationFailed
    from telehealth_shared.models.calling import StartMeetingRequest

    assert parse_body(b"", StartMeetingRequest, required=False).media_region is None
    assert parse_body(b'{"media_region": "eu-west-2"}', StartMeetingRequest, required=False).media_region == "eu-west-2"
    with pytest.raises(ValidationFailed):
        parse_body(b"", StartMeetingRequest)
    with pytest.raises(ValidationFailed):
        parse_body(b'{"x": 1}', StartMeetingRequest, required=False)


def test_errors_chalice_answers_itself_use_the_api_error_body(client):
    wrong_method = client.http.put("/doctors-only", headers={"Authorization": "Bearer doctor"}, body="{}")
    assert wrong_method.status_code == 405
    assert _json(wrong_method) == {"error": {"code": "MethodNotAllowed", "message": "This method is not allowed on this path."}}
    not_json = client.http.post("/echo", headers={"content-type": "text/plain"}, body="email=a")
    assert not_json.status_code == 415 and _json(not_json)["error"]["code"] == "UnsupportedMediaType"


def test_dates_without_a_utc_form_are_a_validation_error():
    from pydantic import ValidationError

    from telehealth_shared.models.appointments import ListAppointmentsQuery

    for value in ("0001-01-01T00:00:00+01:03", "9999-12-31T23:00:00-05:00"):
        with pytest.raises(ValidationError) as info:
            ListAppointmentsQuery.model_validate({"from": value})
        assert "supported range" in str(info.value)
