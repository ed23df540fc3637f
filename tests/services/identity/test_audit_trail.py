"""Identity's audit events and GET /audit on the local stack: who signed in, searched, invited and
read the trail, newest first and paginated, for admins only, with no e-mail, name or number."""
import json
import secrets
import time
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from users import PASSWORD, make_user, random_phone

JSON = {"content-type": "application/json"}


def call(client, method, path, body=None, headers=None):
    kwargs = {"headers": {**JSON, **(headers or {})}}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response = getattr(client.http, method)(path, **kwargs)
    return response.status_code, json.loads(response.body)


@pytest.fixture(scope="module")
def admin(api, settings):
    status, tokens = call(api, "post", "/signin", {"email": settings["TELEHEALTH_LOCAL_ADMIN_EMAIL"],
                                                   "password": settings["TELEHEALTH_LOCAL_ADMIN_PASSWORD"]})
    assert status == 200
    return {"Authorization": f"Bearer {tokens['id_token']}"}


def stored_events(settings, actor_id):
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=settings["AWS_ENDPOINT_URL"],
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    items = dynamodb.query(TableName=settings["TELEHEALTH_AUDIT_TABLE"], IndexName="actor-index",
                           KeyConditionExpression="actor_id = :a",
                           ExpressionAttributeValues={":a": {"S": actor_id}})["Items"]
    return sorted(items, key=lambda i: i["at_event"]["S"])


def test_each_identity_request_leaves_one_event_without_personal_data(api, admin, settings):
    user = make_user(settings, "doctor", name=f"Dr Audit {secrets.token_hex(2)}")
    assert call(api, "post", "/signin", {"email": user.email, "password": PASSWORD})[0] == 200
    assert call(api, "get", "/me", headers=user.headers)[0] == 200
    assert call(api, "patch", "/me", {"name": user.name}, user.headers)[0] == 200
    assert call(api, "get", "/patients?q=zz", headers=user.headers)[0] == 200
    assert call(api, "post", "/me/phone/confirm", {"code": "123456"}, user.headers)[0] == 400
    assert call(api, "post", "/refresh", {"refresh_token": user.refresh_token})[0] == 200
    events = stored_events(settings, user.user_id)
    assert [(e["action"]["S"], e["outcome"]["S"]) for e in events] == [
        ("auth.sign_in", "allowed"), ("profile.read", "allowed"), ("profile.update", "allowed"),
        ("patient.search", "allowed"), ("phone.confirm", "denied"), ("auth.refresh", "allowed")]
    text = json.dumps(events)
    for secret in (user.email, user.name, user.phone_number, user.refresh_token[:40]):
        assert secret not in text
    assert all(e["actor_role"]["S"] == "doctor" and e["request_id"]["S"] for e in events)

    # A failed sign-in is recorded without the address that was tried.
    address = f"nobody-{secrets.token_hex(3)}@example.com"
    assert call(api, "post", "/signin", {"email": address, "password": "Wr0ng!Password-X"})[0] == 401
    status, page = call(api, "get", "/audit?resource_id=/signin&limit=5", headers=admin)
    assert status == 200 and page["events"][0]["action"] == "auth.sign_in"
    assert page["events"][0]["outcome"] == "denied" and page["events"][0]["actor_id"] == "anonymous"
    assert address not in json.dumps(page)


def test_audit_by_actor_newest_first_and_paginated(api, admin, settings):
    user = make_user(settings, "patient")
    for _ in range(3):
        assert call(api, "get", "/me", headers=user.headers)[0] == 200
    status, page = call(api, "get", f"/audit?actor_id={user.user_id}", headers=admin)
    assert status == 200 and [e["action"] for e in page["events"]] == ["profile.read"] * 3
    stamps = [e["at"] for e in page["events"]]
    assert stamps == sorted(stamps, reverse=True)
    assert all(set(e) <= {"event_id", "at", "actor_id", "actor_role", "action", "resource_type", "resource_id",
                          "outcome", "request_id", "source_ip"} for e in page["events"])
    seen, token = [], None
    for _ in range(5):
        suffix = f"&next_token={token}" if token else ""
        status, part = call(api, "get", f"/audit?actor_id={user.user_id}&limit=1{suffix}", headers=admin)
        assert status == 200 and len(part["events"]) <= 1
        seen += [e["event_id"] for e in part["events"]]
        token = part.get("next_token")
        if not token:
            break
    assert seen == [e["event_id"] for e in page["events"]]


def test_audit_by_time_and_resource(api, admin, settings):
    user = make_user(settings, "patient")
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert call(api, "get", "/me", headers=user.headers)[0] == 200
    after = datetime.now(timezone.utc) + timedelta(seconds=1)
    window = f"from={before.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}&to={after.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"
    status, page = call(api, "get", f"/audit?{window}&limit=100", headers=admin)
    assert status == 200 and user.user_id in [e["actor_id"] for e in page["events"]]
    assert all(before.strftime("%Y-%m-%dT%H:%M:%S") <= e["at"] for e in page["events"])
    status, page = call(api, "get", f"/audit?resource_id={user.user_id}", headers=admin)
    assert status == 200 and {e["action"] for e in page["events"]} == {"profile.read"}
    status, page = call(api, "get", f"/audit?to={before.strftime('%Y-%m-%dT%H:%M:%SZ')}&actor_id={user.user_id}",
                        headers=admin)
    assert status == 200 and page["events"] == []


def test_only_admins_read_the_trail_and_their_reading_is_recorded(api, admin, settings):
    for role in ("doctor", "patient"):
        user = make_user(settings, role)
        status, error = call(api, "get", "/audit", headers=user.headers)
        assert status == 403 and error["error"]["code"] == "Forbidden"
    for bad in ("limit=0", "from=yesterday", "next_token=!!", "from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z"):
        assert call(api, "get", f"/audit?{bad}", headers=admin)[0] == 400, bad
    # A token of one kind of query is refused by another; a window in the future holds nothing.
    status, first = call(api, "get", "/audit?limit=1", headers=admin)
    assert call(api, "get", f"/audit?actor_id=x&next_token={first['next_token']}", headers=admin)[0] == 400
    assert call(api, "get", "/audit?actor_id=x&from=2999-01-01T00:00:00Z", headers=admin) == (200, {"events": []})
    assert call(api, "get", "/audit?to=1999-01-01T00:00:00Z", headers=admin) == (200, {"events": []})
    status, page = call(api, "get", "/audit?limit=3", headers=admin)
    assert status == 200 and len(page["events"]) == 3
    status, page = call(api, "get", "/audit?limit=1", headers=admin)
    assert page["events"][0]["action"] == "audit.query"
