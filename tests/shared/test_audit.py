"""The audit trail's event shape, ordering keys and PHI-free contents, and the edge's refusal events."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from telehealth_shared import audit
from telehealth_shared.errors import Unavailable


class FakeDynamo:
    """Stands in for DynamoDB's PutItem and its condition, keeping the items it accepted."""

    def __init__(self, fail: Exception | None = None):
        self.items: list[dict] = []
        self.fail = fail

    def put_item(self, TableName: str, Item: dict, ConditionExpression: str) -> None:
        if self.fail:
            raise self.fail
        assert ConditionExpression == "attribute_not_exists(event_id)"
        if any(i["event_id"] == Item["event_id"] for i in self.items):
            raise AssertionError("overwrite")
        self.items.append(Item)


class Clients:
    def __init__(self, dynamodb: FakeDynamo):
        self.dynamodb = dynamodb


class Settings:
    def require(self, name: str) -> str:
        assert name == "audit_table"
        return "telehealth-test-audit"


def test_event_round_trips_and_carries_request_context():
    store = FakeDynamo()
    token = audit.current_request.set(audit.RequestInfo(request_id="req-12345678", source_ip="127.0.0.1"))
    try:
        event = audit.audit(Clients(store), action="appointment.read", resource_type="appointment",
                            resource_id="a1", actor_id="u1", actor_role="doctor", settings=Settings())
    finally:
        audit.current_request.reset(token)
    (item,) = store.items
    assert audit.from_item(item) == event
    assert event.request_id == "req-12345678" and event.source_ip == "127.0.0.1"
    assert item["at_event"]["S"].startswith(item["at"]["S"]) and item["day"]["S"] == item["at"]["S"][:10]
    retention_days = (int(item["expires_at"]["N"]) - event.at.timestamp()) / 86400
    assert retention_days >= 6 * 365


def test_system_actor_when_no_principal():
    store = FakeDynamo()
    event = audit.audit(Clients(store), action="appointment.remind", resource_type="appointment",
                        resource_id="a1", settings=Settings())
    assert (event.actor_id, event.actor_role) == ("system", "system")


def test_ids_sort_by_time():
    early = audit.build_event(action="a.b", resource_type="r", resource_id="1", outcome="allowed",
                              actor_id="u", actor_role="doctor", at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    late = audit.build_event(action="a.b", resource_type="r", resource_id="1", outcome="allowed",
                             actor_id="u", actor_role="doctor", at=datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert early.event_id < late.event_id
    assert audit.to_item(early)["at_event"]["S"] < audit.to_item(late)["at_event"]["S"]


def test_action_names_are_checked():
    with pytest.raises(ValueError):
        audit.build_event(action="Read appointment of Bob", resource_type="r", resource_id="1", outcome="allowed",
                          actor_id="u", actor_role="doctor")


def test_unwritable_trail_fails_the_request():
    from botocore.exceptions import EndpointConnectionError

    store = FakeDynamo(fail=EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    with pytest.raises(Unavailable):
        audit.audit(Clients(store), action="appointment.read", resource_type="appointment", resource_id="a1",
                    actor_id="u1", actor_role="doctor", settings=Settings())


def test_edge_records_refused_tokens_and_roles(monkeypatch):
    from chalice.test import Client as ChaliceClient

    from telehealth_shared import auth, edge
    from telehealth_shared.auth import Principal
    from telehealth_shared.edge import TelehealthApp

    class Verifier:
        def verify(self, token):
            if token == "patient":
                return Principal(user_id="p1", role="patient", name="Bob", email="bob@example.com")
            raise auth.Unauthorized("The token is not valid.")

    store = FakeDynamo()
    monkeypatch.setattr(edge, "default_clients", lambda: Clients(store))
    monkeypatch.setattr(audit, "get_settings", lambda: Settings())
    auth.set_default_verifier(Verifier())
    app = TelehealthApp("test")

    @app.api_route("/doctors/{item_id}", roles=["doctor"])
    def doctors_only(principal, item_id):
        return {}

    try:
        with ChaliceClient(app) as client:
            assert client.http.get("/doctors/x", headers={"Authorization": "Bearer forged"}).status_code == 401
            assert client.http.get("/doctors/x", headers={"Authorization": "Bearer patient"}).status_code == 403
    finally:
        auth.set_default_verifier(None)
    refused, forbidden = (audit.from_item(item) for item in store.items)
    assert (refused.action, refused.actor_id, refused.outcome) == ("auth.token_refused", "anonymous", "denied")
    assert (forbidden.action, forbidden.actor_id, forbidden.actor_role) == ("auth.forbidden", "p1", "patient")
    assert forbidden.resource_id == "/doctors/{item_id}"
    assert "Bob" not in json.dumps(store.items) and "bob@example.com" not in json.dumps(store.items)


def test_edge_keeps_its_answer_when_the_trail_is_down(monkeypatch):
    from botocore.exceptions import EndpointConnectionError
    from chalice.test import Client as ChaliceClient

    from telehealth_shared import edge
    from telehealth_shared.edge import TelehealthApp

    monkeypatch.setattr(edge, "default_clients", lambda: Clients(FakeDynamo(fail=EndpointConnectionError(endpoint_url="x"))))
    monkeypatch.setattr(audit, "get_settings", lambda: Settings())
    app = TelehealthApp("test")

    @app.api_route("/private")
    def private(principal):
        return {}

    with ChaliceClient(app) as client:
        assert client.http.get("/private").status_code == 401
