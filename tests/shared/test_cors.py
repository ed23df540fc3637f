"""CORS as browsers need it: every route's preflight (answered by Chalice's local server as
API Gateway would) allows the console's origin and the API's request headers, and real
responses expose the headers scripts read."""
import json

import pytest
from chalice.config import Config
from chalice.local import LocalGateway

from telehealth_shared import auth
from telehealth_shared.cors import ALLOW_HEADERS, DEFAULT_ALLOW_ORIGIN, cors_config
from telehealth_shared.edge import TelehealthApp
from telehealth_shared.errors import ConfigurationError, Conflict


def _app() -> TelehealthApp:
    app = TelehealthApp("test")

    @app.api_route("/things", methods=["POST"], auth=False)
    def create_thing():
        return {"ok": True}

    @app.api_route("/things/{thing_id}", methods=["GET", "DELETE"], auth=False)
    def thing(thing_id):
        raise Conflict("No.")

    @app.api_route("/private", methods=["GET"])
    def private(principal):
        return {}

    return app


@pytest.fixture
def gateway(monkeypatch):
    monkeypatch.delenv("TELEHEALTH_CORS_ALLOW_ORIGIN", raising=False)
    monkeypatch.delenv("TELEHEALTH_CORS_MAX_AGE", raising=False)
    auth.set_default_verifier(None)
    return LocalGateway(_app(), Config())


def _preflight(gateway, path, origin=DEFAULT_ALLOW_ORIGIN, method="POST",
               headers="authorization,content-type,idempotency-key,x-request-id"):
    return gateway.handle_request("OPTIONS", path, {
        "origin": origin, "access-control-request-method": method,
        "access-control-request-headers": headers}, None)


def _allowed(header_value):
    return {h.strip().lower() for h in header_value.split(",")}


@pytest.mark.parametrize("path,method", [("/things", "POST"), ("/things/abc", "DELETE"), ("/private", "GET"),
                                         ("/health", "GET")])
def test_preflight_allows_the_console_origin_and_every_api_header(gateway, path, method):
    response = _preflight(gateway, path, method=method)
    headers = response["headers"]
    assert response["statusCode"] == 200
    assert headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"
    assert {h.lower() for h in ALLOW_HEADERS} <= _allowed(headers["Access-Control-Allow-Headers"])
    assert method in headers["Access-Control-Allow-Methods"].split(",")
    assert headers["Access-Control-Max-Age"] == "600"


def test_another_origin_is_not_allowed(gateway):
    headers = _preflight(gateway, "/things", origin="https://evil.example")["headers"]
    # A browser compares the allowed origin with its own and refuses the request.
    assert headers["Access-Control-Allow-Origin"] != "https://evil.example"
    assert headers["Access-Control-Allow-Origin"] != "*"


def test_responses_and_errors_expose_the_headers_scripts_read(gateway):
    for method, path in (("POST", "/things"), ("GET", "/things/abc"), ("GET", "/private")):
        response = gateway.handle_request(method, path, {"origin": DEFAULT_ALLOW_ORIGIN,
                                                          "content-type": "application/json"}, b"{}")
        headers = response["headers"]
        assert headers["Access-Control-Allow-Origin"] == DEFAULT_ALLOW_ORIGIN, (path, response)
        assert _allowed(headers["Access-Control-Expose-Headers"]) == {"x-request-id", "idempotent-replayed", "retry-after"}
        assert "x-request-id" in headers
    assert json.loads(response["body"])["error"]["code"] == "Unauthorized"


def test_the_stage_setting_chooses_the_origin_and_max_age(monkeypatch):
    monkeypatch.setenv("TELEHEALTH_CORS_ALLOW_ORIGIN", "https://console.clinic.example")
    monkeypatch.setenv("TELEHEALTH_CORS_MAX_AGE", "7200")
    headers = _preflight(LocalGateway(_app(), Config()), "/things",
                         origin="https://console.clinic.example")["headers"]
    assert headers["Access-Control-Allow-Origin"] == "https://console.clinic.example"
    assert headers["Access-Control-Max-Age"] == "7200"


@pytest.mark.parametrize("name,value", [("TELEHEALTH_CORS_ALLOW_ORIGIN", "*"),
                                        ("TELEHEALTH_CORS_ALLOW_ORIGIN", "https://a.example/path"),
                                        ("TELEHEALTH_CORS_ALLOW_ORIGIN", "https://a.example,https://b.example"),
                                        ("TELEHEALTH_CORS_MAX_AGE", "ten")])
def test_malformed_settings_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError):
        cors_config()
