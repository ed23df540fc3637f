"""The local stack's IAM: one role per service from infra/policies/, and their temporary credentials."""
from __future__ import annotations

import json
import os
from typing import Any

from ..iam.policies import POLICIES_DIR, SERVICE_POLICIES, SESSION_POLICY, render

# AssumeRole with long-term keys issues at most 12 h.
ROLE_SESSION_SECONDS = 12 * 3600
POLICIES_DIR_VARIABLE = "TELEHEALTH_LOCAL_POLICIES_DIR"
_TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                          "Principal": {"Service": "lambda.amazonaws.com"}}]}


class RoleResources:
    """Mixed into Bootstrap, which provides `client`, `_name`, `stage` and `account_id`."""

    client: Any
    stage: str
    account_id: str

    def ensure_role(self, name: str, trust: dict[str, Any], max_session: int = ROLE_SESSION_SECONDS) -> str:
        iam = self.client("iam")
        try:
            arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                                   MaxSessionDuration=max_session)["Role"]["Arn"]
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
        return arn

    def service_role_name(self, service: str) -> str:
        return self._name(service)

    def ensure_service_roles(self) -> dict[str, str]:
        """One role per service (Lambda trust, as Terraform creates them) and the messaging
        session role, which only the messaging role may assume."""
        arns = {service: self.ensure_role(self.service_role_name(service), _TRUST_LAMBDA)
                for service in SERVICE_POLICIES}
        session_trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": arns["messaging"]}}]}
        arns[SESSION_POLICY] = self.ensure_role(self._name(SESSION_POLICY), session_trust, max_session=3600)
        return arns

    def put_service_policies(self, variables: dict[str, str]) -> None:
        """The policy documents of infra/policies/, filled with this stack's ARNs."""
        iam = self.client("iam")
        # Tests point this elsewhere to run the stack with a grant taken away.
        directory = os.environ.get(POLICIES_DIR_VARIABLE) or POLICIES_DIR
        for service in SERVICE_POLICIES:
            iam.put_role_policy(RoleName=self.service_role_name(service), PolicyName=f"{service}-service",
                                PolicyDocument=json.dumps(render(service, variables, directory)))
        iam.put_role_policy(RoleName=self._name(SESSION_POLICY), PolicyName="connect",
                            PolicyDocument=json.dumps(render(SESSION_POLICY, variables, directory)))

    def assume_service_roles(self) -> dict[str, dict[str, str]]:
        """Temporary credentials of each service's role, as its processes' AWS_* variables."""
        sts = self.client("sts")
        credentials = {}
        for service in SERVICE_POLICIES:
            role_arn = f"arn:aws:iam::{self.account_id}:role/{self.service_role_name(service)}"
            issued = sts.assume_role(RoleArn=role_arn, RoleSessionName=f"telehealth-{service}-{self.stage}",
                                     DurationSeconds=ROLE_SESSION_SECONDS)["Credentials"]
            credentials[service] = {
                "AWS_ACCESS_KEY_ID": issued["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": issued["SecretAccessKey"],
                "AWS_SESSION_TOKEN": issued["SessionToken"],
                "TELEHEALTH_LOCAL_CREDENTIALS_EXPIRE": issued["Expiration"].isoformat(),
            }
        return credentials

