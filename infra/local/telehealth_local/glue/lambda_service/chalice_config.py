"""A function's timeout and stage variables as `chalice deploy` would set them, from the service's .chalice/config.json."""
from __future__ import annotations

import json
from pathlib import Path

from chalice.config import Config

# Chalice deploys functions with a 60 s timeout unless .chalice/config.json says otherwise.
CHALICE_DEFAULT_TIMEOUT = 60.0


def chalice_function_config(service_dir: Path, stage: str, handler: str) -> tuple[float, dict[str, str]]:
    """(timeout seconds, stage environment variables) from the service's .chalice/config.json."""
    path = service_dir / ".chalice" / "config.json"
    if not path.is_file():
        return CHALICE_DEFAULT_TIMEOUT, {}
    config_from_disk = json.loads(path.read_text())
    config = Config(chalice_stage=stage, function_name=handler, config_from_disk=config_from_disk)
    timeout = config.lambda_timeout
    return float(timeout or CHALICE_DEFAULT_TIMEOUT), {str(k): str(v) for k, v in (config.environment_variables or {}).items()}
