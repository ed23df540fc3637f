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
    sms_origination_identity: str | None
    sms_configuration_set: str | None
    sip_media_application_id: str | None
    phone_number: str | None
    reminder_lead_minutes: tuple[int, ...]
    token_leeway_seconds: int
    session_role_arn: str | None = None
    invitations_table: str | None = None
    verifications_table: str | None = None
    email_sender: str | None = None
    audit_table: str | None = None
    # PSTN audio (SIP media applications) is in maintenance mode: off unless the account has it.
    pstn_enabled: bool = False
    no_show_minutes: int = 15

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


def _flag(name: str) -> bool:
    raw = (_env(name) or "false").lower()
    if raw not in ("true", "false"):
        raise ConfigurationError(f"{name} must be true or false")
    return raw == "true"


def _non_negative(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer") from exc
    if value < 0:
        raise ConfigurationError(f"{name} must not be negative")
    return value


# Settings that are a plain optional string, by the environment variable each is read from.
_OPTIONAL = {
    "user_pool_id": "TELEHEALTH_USER_POOL_ID",
    "user_pool_client_id": "TELEHEALTH_USER_POOL_CLIENT_ID",
    "jwks_url_override": "TELEHEALTH_JWKS_URL",
    "token_issuer_override": "TELEHEALTH_TOKEN_ISSUER",  # nosec B105: the name of a setting, not a secret
    "app_instance_arn": "TELEHEALTH_APP_INSTANCE_ARN",
    "app_instance_admin_arn": "TELEHEALTH_APP_INSTANCE_ADMIN_ARN",
    "appointments_table": "TELEHEALTH_APPOINTMENTS_TABLE",
    "calls_table": "TELEHEALTH_CALLS_TABLE",
    "state_machine_arn": "TELEHEALTH_STATE_MACHINE_ARN",
    "sms_origination_identity": "TELEHEALTH_SMS_ORIGINATION_IDENTITY",
    "sms_configuration_set": "TELEHEALTH_SMS_CONFIGURATION_SET",
    "sip_media_application_id": "TELEHEALTH_SIP_MEDIA_APPLICATION_ID",
    "phone_number": "TELEHEALTH_PHONE_NUMBER",
    "session_role_arn": "TELEHEALTH_SESSION_ROLE_ARN",
    "invitations_table": "TELEHEALTH_INVITATIONS_TABLE",
    "verifications_table": "TELEHEALTH_VERIFICATIONS_TABLE",
    "email_sender": "TELEHEALTH_EMAIL_SENDER",
    "audit_table": "TELEHEALTH_AUDIT_TABLE",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(
        region=_env("AWS_REGION") or _env("AWS_DEFAULT_REGION") or "us-east-1",
        stage=_env("TELEHEALTH_STAGE", "dev"),
        **{field: _env(name) for field, name in _OPTIONAL.items()},
        reminder_lead_minutes=_lead_minutes(_env("TELEHEALTH_REMINDER_LEAD_MINUTES")),
        token_leeway_seconds=int(_env("TELEHEALTH_TOKEN_LEEWAY_SECONDS", "30")),
        pstn_enabled=_flag("TELEHEALTH_PSTN_ENABLED"),
        no_show_minutes=_non_negative("TELEHEALTH_NO_SHOW_MINUTES", 15),
    )
