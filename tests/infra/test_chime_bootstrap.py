"""The Terraform bootstrap function (app instance + admin) against the local stack's Chime SDK identity emulator."""
from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config

from terraform_harness import TERRAFORM_DIR

SOURCE = TERRAFORM_DIR / "modules" / "telehealth" / "bootstrap" / "chime_app_instance.py"


@pytest.fixture(scope="module")
def bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chime_app_instance", SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def chime() -> Iterator[Any]:
    from stack_fixture import serve_emulator
    from telehealth_local.emulator.app import build_emulator
    from telehealth_local.events import EventHub
    from telehealth_local.outbox import Outbox

    with serve_emulator(build_emulator(outbox=Outbox(), hub=EventHub())) as url:
        yield boto3.client("chime-sdk-identity", endpoint_url=url, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing",
                           config=Config(retries={"max_attempts": 1}, read_timeout=10))


def event(action: str, deletion_protection: bool = True, name: str = "telehealth-dev") -> dict[str, Any]:
    """What aws_lambda_invocation (lifecycle_scope CRUD) sends: the input plus the tf key."""
    return {"name": name, "admin_user_id": "telehealth-service", "admin_name": "Telehealth service",
            "deletion_protection": deletion_protection, "tf": {"action": action, "prev_input": None}}


def instances(chime: Any) -> list[dict[str, Any]]:
    return chime.list_app_instances(MaxResults=50).get("AppInstances", [])


def test_create_makes_the_instance_its_admin_user_and_admin(bootstrap: ModuleType, chime: Any) -> None:
    result = bootstrap.handler(event("create"), client=chime)
    arn, admin = result["app_instance_arn"], result["app_instance_admin_arn"]
    assert [i["AppInstanceArn"] for i in instances(chime)] == [arn]
    assert admin == f"{arn}/user/telehealth-service"
    user = chime.describe_app_instance_user(AppInstanceUserArn=admin)["AppInstanceUser"]
    assert user["Name"] == "Telehealth service"
    admins = chime.list_app_instance_admins(AppInstanceArn=arn)["AppInstanceAdmins"]
    assert [a["Admin"]["Arn"] for a in admins] == [admin]


def test_create_again_and_update_reuse_what_exists(bootstrap: ModuleType, chime: Any) -> None:
    first = bootstrap.handler(event("create"), client=chime)
    assert bootstrap.handler(event("create"), client=chime) == first
    assert bootstrap.handler(event("update", deletion_protection=False), client=chime) == first
    assert len(instances(chime)) == 1


def test_create_completes_a_half_made_instance(bootstrap: ModuleType, chime: Any) -> None:
    """An earlier run that died after CreateAppInstance is finished, not duplicated."""
    arn = chime.create_app_instance(Name="telehealth-dev")["AppInstanceArn"]
    result = bootstrap.handler(event("create"), client=chime)
    assert result["app_instance_arn"] == arn
    admins = chime.list_app_instance_admins(AppInstanceArn=arn)["AppInstanceAdmins"]
    assert [a["Admin"]["Arn"] for a in admins] == [f"{arn}/user/telehealth-service"]


def test_delete_is_refused_while_protected(bootstrap: ModuleType, chime: Any) -> None:
    arn = bootstrap.handler(event("create"), client=chime)["app_instance_arn"]
    with pytest.raises(bootstrap.BootstrapError, match="deletion_protection = false"):
        bootstrap.handler(event("delete", deletion_protection=True), client=chime)
    assert [i["AppInstanceArn"] for i in instances(chime)] == [arn]


def test_delete_removes_the_instance_and_is_idempotent(bootstrap: ModuleType, chime: Any) -> None:
    bootstrap.handler(event("create"), client=chime)
    bootstrap.handler(event("delete", deletion_protection=False), client=chime)
    assert instances(chime) == []
    assert bootstrap.handler(event("delete", deletion_protection=False), client=chime)["app_instance_arn"] == ""


def test_two_instances_with_the_name_stop_it(bootstrap: ModuleType, chime: Any) -> None:
    chime.create_app_instance(Name="telehealth-dev")
    chime.create_app_instance(Name="telehealth-dev")
    with pytest.raises(bootstrap.BootstrapError, match="2 app instances are named telehealth-dev"):
        bootstrap.handler(event("create"), client=chime)
    assert len(instances(chime)) == 2


@pytest.mark.parametrize("bad, message", [
    ({"name": "bad name!"}, "name must be"),
    ({"admin_user_id": "-x"}, "admin_user_id"),
    ({"admin_name": "x" * 101}, "admin_name"),
    ({"tf": {"action": "import"}}, "unknown action"),
])
def test_bad_input_creates_nothing(bootstrap: ModuleType, chime: Any, bad: dict[str, Any], message: str) -> None:
    with pytest.raises(bootstrap.BootstrapError, match=message):
        bootstrap.handler({**event("create"), **bad}, client=chime)
    assert instances(chime) == []
