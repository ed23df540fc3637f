"""The local stack's fixed facts, written once: repository paths, account, region, services, ports and names."""
from __future__ import annotations

from pathlib import Path

# -- paths -----------------------------------------------------------------------------
REPO_ROOT = Path(__file__).resolve().parents[3]
SERVICES_ROOT = REPO_ROOT / "services"
RESOURCES_DIR = REPO_ROOT / "infra" / "resources"
POLICIES_DIR = REPO_ROOT / "infra" / "policies"
STATE_MACHINE_FILE = REPO_ROOT / "infra" / "statemachine" / "reminders.asl.json"
MEDIA_DIR = REPO_ROOT / "infra" / "local" / "media"
CONSOLE_DIST = REPO_ROOT / "console" / "dist"
# Where a running stack keeps its outputs file, logs and deployed code.
BASE_DIR = REPO_ROOT / ".local-stack"
OUTPUTS_FILE = BASE_DIR / "outputs.json"

# -- the AWS account the stack plays -----------------------------------------------------
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # nosec B105: the local stack's fixed, public test credentials
# 555-0100 to 555-0199 are reserved for fiction in the North American plan; libphonenumber
# accepts +1 202 555 0100 as a valid number, so End User Messaging's and Chime's checks pass.
PHONE_NUMBER = "+12025550100"

# -- the services ------------------------------------------------------------------------
SERVICES = ("identity", "scheduling", "messaging", "calling")
# Lambda functions each service deploys (Chalice names them telehealth-<service>-<stage>-<handler>).
FUNCTIONS = (("identity", "post_confirmation"), ("scheduling", "send_reminder"), ("calling", "sma_handler"))
LAMBDA_SERVICES = tuple(dict.fromkeys(service for service, _handler in FUNCTIONS))

# -- ports on 127.0.0.1 ------------------------------------------------------------------
HOST = "127.0.0.1"
ENDPOINT_PORT = 4566
SESSIONS_PORT = 4567
MEDIA_PORT = 4568
CONSOLE_PORT = 8000
SERVICE_PORTS = {"identity": 8001, "scheduling": 8002, "messaging": 8003, "calling": 8004}


def function_name(service: str, stage: str, handler: str) -> str:
    """The name Chalice gives a service's Lambda function."""
    return f"telehealth-{service}-{stage}-{handler}"


def function_arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"
