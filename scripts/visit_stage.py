#!/usr/bin/env python3
"""Plays the core of a visit through a deployed stage's API Gateway URLs on the local stack: invitation, sign-up, sign-in, booking, check-in, a message, a meeting.

    python scripts/visit_stage.py --stage rehearsal --urls-file .local-stack/deploy/rehearsal/urls.json [--endpoint http://127.0.0.1:4566]

Doctors exist only by an admin's invitation, so the visit first makes the stage's clinic admin as an
operator would (Cognito's admin API with the local stack's root keys, as the deployment's
`first_admin_email` does on AWS), then the admin invites the doctor through the stage.

`scripts/deploy.py --local --visit` runs it after deploying. Confirmation codes come from the
local stack's e-mail outbox (its control API). It prints each step and, with --json, writes
what every step answered (tests/deploy/test_deploy_local.py checks it).
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests

PASSWORD = "Str0ng!Passw0rd-Visit"  # nosec B105: a made-up user's password on the local stack
TIMEOUT = 60


class VisitFailed(Exception):
    """A step answered something other than the API's success."""


def _call(method: str, url: str, token: str | None = None, expect: int = 200, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
    if response.status_code != expect:
        raise VisitFailed(f"{method} {url}: expected {expect}, got {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else None


def _code(endpoint: str, email: str, after: str | None = None) -> str:
    """The latest code e-mailed to `email` (other than `after`, one already used)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        messages = requests.get(f"{endpoint}/_local/outbox/email", timeout=TIMEOUT).json()["messages"]
        codes = [m["code"] for m in messages if m.get("to") == email and m.get("code") and m["code"] != after]
        if codes:
            return codes[-1]
        time.sleep(0.2)
    raise VisitFailed(f"no confirmation e-mail arrived for {email}")


def _clinic_admin(urls: dict[str, str], endpoint: str, stage: str) -> str:
    """The stage's clinic admin, made as an operator would; returns its ID token."""
    import boto3

    cognito = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",  # nosec B106: the local stack's public root keys
                                    region_name="us-east-1").client("cognito-idp", endpoint_url=endpoint)
    pools = [p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == f"telehealth-{stage}-users"]
    if len(pools) != 1:
        raise VisitFailed(f"the stage's user pool telehealth-{stage}-users was not found")
    email = f"admin-{secrets.token_hex(4)}@example.com"
    cognito.admin_create_user(UserPoolId=pools[0], Username=email, MessageAction="SUPPRESS", TemporaryPassword=PASSWORD,
                              UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
                                              {"Name": "name", "Value": "Clinic admin"},
                                              {"Name": "custom:role", "Value": "admin"}])
    cognito.admin_set_user_password(UserPoolId=pools[0], Username=email, Password=PASSWORD, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pools[0], Username=email, GroupName="admin")
    tokens = _call("POST", f"{urls['identity']}/signin", json={"email": email, "password": PASSWORD})
    print("  the operator made the stage's clinic admin; it signed in through the stage")
    return tokens["id_token"]


def _person(urls: dict[str, str], endpoint: str, role: str, name: str, admin_token: str | None = None) -> dict[str, Any]:
    identity = urls["identity"]
    email = f"{role}-{secrets.token_hex(4)}@example.com"
    phone = f"+1415555{secrets.randbelow(10000):04d}"  # 555-01xx-style numbers reserved for fiction
    body = {"email": email, "password": PASSWORD, "name": name, "phone_number": phone, "role": role}
    if role != "patient":
        invitation = _call("POST", f"{identity}/invitations", admin_token, expect=201,
                           json={"email": email, "name": name, "role": role})
        body["invitation_code"] = _code(endpoint, email)
        print(f"  the admin invited the {role} (invitation {invitation['invitation_id']})")
    signed = _call("POST", f"{identity}/signup", expect=201, json=body)
    _call("POST", f"{identity}/confirm", json={"email": email, "code": _code(endpoint, email, after=body.get("invitation_code"))})
    tokens = _call("POST", f"{identity}/signin", json={"email": email, "password": PASSWORD})
    me = _call("GET", f"{identity}/me", tokens["id_token"])
    print(f"  {role} signed up, confirmed and signed in (Chime user provisioned: {bool(me.get('app_instance_user_arn'))})")
    return {"user_id": signed["user_id"], "token": tokens["id_token"], "me": me}


def visit(urls: dict[str, str], endpoint: str, stage: str) -> dict[str, Any]:
    """Every step's answer; raises VisitFailed at the first unexpected one."""
    health = {service: _call("GET", f"{url}/health") for service, url in urls.items()}
    print(f"  /health of {', '.join(health)}: ok")
    admin = _clinic_admin(urls, endpoint, stage)
    doctor = _person(urls, endpoint, "doctor", "Dr Orla Penhaligon", admin)
    patient = _person(urls, endpoint, "patient", "Ivo Marchetti")
    starts = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    appointment = _call("POST", f"{urls['scheduling']}/appointments", doctor["token"], expect=201, json={
        "patient_id": patient["user_id"], "starts_at": starts, "duration_minutes": 30, "reason": "Follow-up"})
    appointment_id = appointment["appointment_id"]
    print(f"  doctor booked appointment {appointment_id}")
    presence = _call("POST", f"{urls['messaging']}/appointments/{appointment_id}/check-in", patient["token"])
    print(f"  patient checked in: {presence['presence']}")
    sent = _call("POST", f"{urls['messaging']}/appointments/{appointment_id}/messages", doctor["token"], expect=201,
                 json={"content": "Welcome to the deployed stage", "client_id": "visit-stage"})
    history = _call("GET", f"{urls['messaging']}/appointments/{appointment_id}/messages", patient["token"])
    print(f"  doctor sent a message; the patient reads {len(history['messages'])} message(s)")
    meeting = _call("POST", f"{urls['calling']}/appointments/{appointment_id}/meeting", doctor["token"], expect=201)
    joined = _call("POST", f"{urls['calling']}/appointments/{appointment_id}/meeting/join", patient["token"])
    print(f"  doctor started meeting {meeting['meeting']['MeetingId']}; the patient joined")
    for person in (doctor, patient):
        person.pop("token")
    return {"health": health, "doctor": doctor, "patient": patient, "appointment": appointment,
            "presence": presence, "sent": sent, "history": history, "meeting": meeting, "joined": joined}


def botocore_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls-file", required=True, help="JSON {service: stage URL} (deploy.py --urls-file)")
    parser.add_argument("--endpoint", default="http://127.0.0.1:4566", help="the local stack's endpoint")
    parser.add_argument("--stage", required=True, help="the deployed stage (its user pool is telehealth-<stage>-users)")
    parser.add_argument("--json", default=None, help="write every step's answer here")
    args = parser.parse_args(argv)
    try:
        result = visit(json.loads(Path(args.urls_file).read_text()), args.endpoint.rstrip("/"), args.stage)
    except (VisitFailed, requests.RequestException, botocore_errors()) as exc:
        print(f"visit failed: {exc}", file=sys.stderr)
        return 1
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print("visit finished")
    return 0


if __name__ == "__main__":
    sys.exit(main())
