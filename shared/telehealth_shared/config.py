"""Service settings read from the environment, so the local stack and AWS differ only in values."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from .errors import ConfigurationError


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    region: str
    stage: str
    user_pool_id: str | None
    user_pool_client_id: str | None
    jwks_url_override: str | None
    token_issuer_override: str | None
    app_instance_arn: str | None
    app_instance_admin_arn: str | None
    appointments_table: str | None
    calls_table: str | None
    state_machine_arn: str | None
    pinpoint_app_id: str | None
    sms_origination_number: str | None
    sip_media_application_id: str | None
    phone_number: str | None
    reminder_lead_minutes: tuple[int, ...]
    token_leeway_seconds: int
    session_role_arn: str | None = None
    audit_table: str | None = None

    @property
    def token_issuer(self) -> str:
        if self.token_issuer_override:
            return self.token_issuer_override
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.require('user_pool_id')}"

    @property
    def jwks_url(self) -> str:
        # In the local stack moto publishes the pool's JWKS on the local endpoint, while the
        # issuer keeps its AWS form, so the two are configured separately.
        return self.jwks_url_override or f"{self.token_issuer}/.well-known/jwks.json"

    def require(self, field: str) -> str:
        value = getattr(self, field)
        if not value:
            raise ConfigurationError(f"setting {field} is not configured")
        return value


def _lead_minutes(raw: str | None) -> tuple[int, ...]:
    if not raw:
        return ()
    try:
        values = sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True)
    except ValueError as exc:
        raise ConfigurationError("TELEHEALTH_REMINDER_LEAD_MINUTES must be comma-separated integers") from exc
    if any(v <= 0 for v in values):
        raise ConfigurationError("TELEHEALTH_REMINDER_LEAD_MINUTES must be positive")
    return tuple(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(
        region=_env("AWS_REGION") or _env("AWS_DEFAULT_REGION") or "us-east-1",
        stage=_env("TELEHEALTH_STAGE", "dev"),
        user_pool_id=_env("TELEHEALTH_USER_POOL_ID"),
        user_pool_client_id=_env("TELEHEALTH_USER_POOL_CLIENT_ID"),
        jwks_url_override=_env("TELEHEALTH_JWKS_URL"),
        token_issuer_override=_env("TELEHEALTH_TOKEN_ISSUER"),
        app_instance_arn=_env("TELEHEALTH_APP_INSTANCE_ARN"),
        app_instance_admin_arn=_env("TELEHEALTH_APP_INSTANCE_ADMIN_ARN"),
        appointments_table=_env("TELEHEALTH_APPOINTMENTS_TABLE"),
        calls_table=_env("TELEHEALTH_CALLS_TABLE"),
        state_machine_arn=_env("TELEHEALTH_STATE_MACHINE_ARN"),
        pinpoint_app_id=_env("TELEHEALTH_PINPOINT_APP_ID"),
        sms_origination_number=_env("TELEHEALTH_SMS_ORIGINATION_NUMBER"),
        sip_media_application_id=_env("TELEHEALTH_SIP_MEDIA_APPLICATION_ID"),
        phone_number=_env("TELEHEALTH_PHONE_NUMBER"),
        reminder_lead_minutes=_lead_minutes(_env("TELEHEALTH_REMINDER_LEAD_MINUTES")),
        session_role_arn=_env("TELEHEALTH_SESSION_ROLE_ARN"),
        audit_table=_env("TELEHEALTH_AUDIT_TABLE"),
        token_leeway_seconds=int(_env("TELEHEALTH_TOKEN_LEEWAY_SECONDS", "30")),
    )
