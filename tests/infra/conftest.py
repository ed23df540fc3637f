"""Fixtures for the Terraform tests: the terraform binary, initialized roots and an AWS endpoint on 127.0.0.1."""
from __future__ import annotations

import logging
import os
import shutil
import threading
import warnings
from typing import Iterator

import pytest

from terraform_harness import (LOCAL_ROOT, REGION, TERRAFORM_DIR, Endpoint, Terraform, init_root, moto_endpoint_app,
                               unanswered_provider_calls)


@pytest.fixture(scope="session")
def terraform_binary() -> str:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform is not installed (the infra tests need the terraform CLI on PATH)")
    return binary


@pytest.fixture(scope="session")
def terraform_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("terraform-home")
    cli_config = home / "terraformrc"
    # An empty CLI config: no user mirrors or credentials; providers come from PLUGIN_DIR only.
    cli_config.write_text("")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("TF_", "AWS_"))}
    env.update({
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


@pytest.fixture(scope="session")
def aws_root(terraform_binary: str, terraform_env: dict[str, str], tmp_path_factory) -> Terraform:
    """infra/terraform (the AWS root), initialized without its S3 backend."""
    return init_root(terraform_binary, TERRAFORM_DIR, tmp_path_factory.mktemp("tf-aws"), terraform_env,
                     "-backend=false")


@pytest.fixture(scope="session")
def local_root(terraform_binary: str, terraform_env: dict[str, str], tmp_path_factory) -> Terraform:
    """infra/terraform/local, initialized with its state in a temporary directory."""
    work = tmp_path_factory.mktemp("tf-local")
    return init_root(terraform_binary, LOCAL_ROOT, work / "data", terraform_env,
                     f"-backend-config=path={work / 'terraform.tfstate'}")


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[Endpoint]:
    """An AWS endpoint on 127.0.0.1 for the local Terraform root: the local stack, when it answers
    the Step Functions calls the provider makes, else moto with a stand-in for those two calls."""
    from stack_fixture import start_stack

    with start_stack() as stack:
        missing = unanswered_provider_calls(stack.client("stepfunctions", retries={"max_attempts": 1}))
        if not missing:
            yield Endpoint(stack.endpoint_url, "local stack", dict(stack.settings))
            return
    warnings.warn(f"the local stack does not answer {', '.join(missing)} yet: applying to moto with a "
                  "stand-in for them (Pinpoint and the SIP media application are then not applied)")
    yield from _moto_endpoint()


def _moto_endpoint() -> Iterator[Endpoint]:
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    # One access-log line per AWS call would bury any failure report.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, moto_endpoint_app(), threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="aws-endpoint", daemon=True)
    thread.start()
    try:
        yield Endpoint(f"http://127.0.0.1:{server.server_port}", "moto", {})
    finally:
        server.shutdown()
        thread.join(timeout=10)
