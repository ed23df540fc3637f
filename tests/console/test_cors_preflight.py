"""Every route of every running service answers a browser's preflight from the console's origin
(Chalice's local server, as API Gateway would), and real answers expose the API's headers."""
from __future__ import annotations

import json
import re

import pytest
import requests

from node_tools import REPO_ROOT
from telehealth_local.layout import SERVICES



def _routes():
    for service in SERVICES:
        document = json.loads((REPO_ROOT / "docs" / "api" / f"{service}.json").read_text())
        for path, methods in document["paths"].items():
            for method in methods:
                if method in ("get", "post", "patch", "put", "delete"):
                    yield service, re.sub(r"\{[^}]+\}", "abc123", path), method.upper()


@pytest.mark.parametrize("service,path,method", list(_routes()))
def test_preflight_from_the_console(console_stack, service, path, method):
    origin = console_stack.console_url
    response = requests.options(f"{console_stack.url(service)}{path}", timeout=10, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization,content-type,idempotency-key,x-request-id"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert method in response.headers["Access-Control-Allow-Methods"].split(",")
    allowed = {h.lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "x-request-id"} <= allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_answers_expose_the_headers_scripts_read(console_stack):
    response = requests.get(f"{console_stack.url('scheduling')}/appointments", timeout=10,
                            headers={"Origin": console_stack.console_url})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == console_stack.console_url
    exposed = {h.lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"x-request-id", "idempotent-replayed", "retry-after"}
