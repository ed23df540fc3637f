"""`make deploy-local`'s path (scripts/deploy.py --local) on a fresh local stack, then part of the
visit through the deployed API Gateway stage URLs, run by Lambda workers from the deployed zips;
and a second run that changes nothing.

Only the endpoint runs (no service HTTP processes): every request below can only be answered by
the API Gateway APIs and Lambda functions that `chalice deploy` created.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from telehealth_local.layout import SERVICES


ROOT = Path(__file__).resolve().parents[2]
DEPLOY_TIMEOUT = 900

pytestmark = pytest.mark.timeout(2 * DEPLOY_TIMEOUT)


class Run:
    def __init__(self, result: subprocess.CompletedProcess[str], seconds: float, records: dict[str, Any]):
        self.result = result
        self.seconds = seconds
        self.records = records

    @property
    def output(self) -> str:
        return self.result.stdout + self.result.stderr


class Deployed:
    def __init__(self, stack: Any, stage: str, state_dir: Path):
        self.stack = stack
        self.stage = stage
        self.state_dir = state_dir
        self.first: Run | None = None
        self.urls: dict[str, str] = {}

    def deploy(self, *extra: str) -> Run:
        urls_file = self.state_dir / "urls.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_DATA_DIR"))}
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "deploy.py"), "--stage", self.stage, "--local",
             "--endpoint", self.stack.endpoint_url, "--state-dir", str(self.state_dir),
             "--urls-file", str(urls_file), *extra],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=DEPLOY_TIMEOUT)
        seconds = time.monotonic() - started
        print(f"deploy.py --local {' '.join(extra)} took {seconds:.0f}s")
        assert result.returncode == 0, f"deploy failed:\n{(result.stdout + result.stderr)[-5000:]}"
        self.urls = json.loads(urls_file.read_text())
        return Run(result, seconds, self.chalice_records())

    def chalice_records(self) -> dict[str, Any]:
        records = {}
        for service in SERVICES:
            path = self.state_dir / "services" / service / ".chalice" / "deployed" / f"{self.stage}.json"
            records[service] = json.loads(path.read_text())["resources"]
        return records


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    from stack_fixture import start_stack

    if not any(Path(p, "terraform").is_file() for p in os.environ.get("PATH", "").split(os.pathsep)):
        pytest.skip("terraform is not installed")
    # No prewarming: a worker of the stack's own stage would mean something ran from services/.
    with start_stack(prewarm=False) as stack:
        dep = Deployed(stack, "dl" + secrets.token_hex(3), tmp_path_factory.mktemp("deploy-local"))
        dep.first = dep.deploy()
        yield dep


# -- the visit through the stage URLs (what `make deploy-local` plays after deploying) ----------
def _call(method: str, url: str, expect: int = 200) -> Any:
    response = requests.request(method, url, timeout=60)
    assert response.status_code == expect, f"{method} {url}: {response.status_code} {response.text[:500]}"
    return response.json()


@pytest.fixture(scope="module")
def visit(deployed: Deployed) -> dict[str, Any]:
    answers = deployed.state_dir / "visit.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "visit_stage.py"), "--urls-file", str(deployed.state_dir / "urls.json"),
         "--endpoint", deployed.stack.endpoint_url, "--stage", deployed.stage, "--json", str(answers)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"the visit failed:\n{(result.stdout + result.stderr)[-3000:]}"
    return json.loads(answers.read_text())


def test_every_service_is_reached_through_its_api_gateway_stage(deployed: Deployed) -> None:
    assert set(deployed.urls) == set(SERVICES)
    for service, url in deployed.urls.items():
        assert re.fullmatch(rf"{re.escape(deployed.stack.endpoint_url)}/restapis/\w+/api/_user_request_", url), url
        assert _call("GET", f"{url}/health") == {"status": "ok", "service": service}
    # An unknown path answers as API Gateway does, before any function runs.
    missing = requests.get(f"{deployed.urls['identity']}/no-such-route", timeout=30)
    assert (missing.status_code, missing.json()) == (403, {"message": "Missing Authentication Token"})


def test_people_sign_up_and_the_deployed_trigger_provisions_them(deployed: Deployed, visit: dict[str, Any]) -> None:
    instance = deployed.stack.settings["TELEHEALTH_APP_INSTANCE_ARN"]
    for person in (visit["doctor"], visit["patient"]):
        assert person["me"]["user_id"] == person["user_id"]
        assert person["me"]["app_instance_user_arn"] == f"{instance}/user/{person['user_id']}"
    # The users are in the deployed stage's own pool, not the local stack's.
    pool = f"telehealth-{deployed.stage}-users"
    pools = {p["Name"]: p["Id"] for p in deployed.stack.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]}
    users = deployed.stack.client("cognito-idp").list_users(UserPoolId=pools[pool])["Users"]
    assert {visit["doctor"]["user_id"], visit["patient"]["user_id"]} <= {u["Username"] for u in users} | {
        a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "sub"}


def test_booking_check_in_chat_and_meeting_use_the_stage_resources(deployed: Deployed, visit: dict[str, Any]) -> None:
    appointment = visit["appointment"]
    assert appointment["status"] == "scheduled"
    assert visit["presence"]["presence"]["patient"] == "checked_in"
    assert [m["message_id"] for m in visit["history"]["messages"]
            if m.get("kind") == "chat"] == [visit["sent"]["message_id"]]
    assert visit["meeting"]["meeting"]["MeetingId"] == visit["joined"]["meeting"]["MeetingId"]
    assert visit["joined"]["attendee"]["ExternalUserId"]
    table = f"telehealth-{deployed.stage}-appointments"
    item = deployed.stack.client("dynamodb").get_item(
        TableName=table, Key={"appointment_id": {"S": appointment["appointment_id"]}})["Item"]
    assert item["status"]["S"] == "scheduled"


def test_the_lambda_invocations_ran_the_deployed_zips(deployed: Deployed, visit: dict[str, Any]) -> None:
    workers = requests.get(f"{deployed.stack.endpoint_url}/_local/lambda/workers", timeout=30).json()["workers"]
    code_root = deployed.stack.workdir / "lambda-code"
    expected = {f"telehealth-{s}-{deployed.stage}" for s in SERVICES} | {
        f"telehealth-identity-{deployed.stage}-post_confirmation"}
    assert expected <= {name for name, pids in workers.items() if pids}, workers
    # Nothing ran from services/ (the stack's own stage).
    assert not any(pids for name, pids in workers.items() if name in SERVICES), workers
    for name in expected:
        for pid in workers[name]:
            cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
            assert cwd.is_relative_to(code_root / name), (name, cwd)
            assert (cwd / "app.py").is_file() and (cwd / "telehealth_shared" / "edge.py").is_file()


def test_a_second_run_changes_nothing(deployed: Deployed, visit: dict[str, Any]) -> None:
    assert deployed.first is not None
    # Both applies of this run must find nothing to do, the second after `chalice deploy`: that
    # is the empty plan (the first run ended with one too, its verify step).
    second = deployed.deploy("--no-verify")
    print(f"first run {deployed.first.seconds:.0f}s, second run {second.seconds:.0f}s")
    applies = re.findall(r"^    (Apply complete!.*|No changes\..*)$", second.output, re.M)
    assert len(applies) == 2 and all(line.startswith("No changes") for line in applies), applies
    assert "chalice deploy again" not in second.output
    assert re.search(r"terraform plan: a second run must change nothing.*\n\s+no changes", deployed.first.output)
    assert second.records == deployed.first.records  # same functions, same REST APIs
    # And the stage still answers.
    assert _call("GET", f"{deployed.urls['scheduling']}/health")["service"] == "scheduling"
