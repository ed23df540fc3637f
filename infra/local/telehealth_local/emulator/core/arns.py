"""ARN parsing shared by the emulated services: partition, service, region, account and resource."""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account_id: str
    resource: str


def parse_arn(arn: str) -> Arn | None:
    """The six colon-separated parts of `arn` (the resource may hold colons), or None if it is no ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(*parts[1:])
