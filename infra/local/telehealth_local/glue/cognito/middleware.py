"""What Cognito does around moto's user pools: confirmation codes sent by e-mail and checked on
confirm, sign-up attribute checks, the post-confirmation trigger, and user-existence hiding.

moto 5.2.5 accepts any confirmation code, never runs triggers, has no ResendConfirmationCode,
does not check sign-up attributes against the pool's schema, ignores the app client's
PreventUserExistenceErrors and lets a client write any attribute (Cognito refuses, on SignUp and
UpdateUserAttributes, every attribute outside the app client's WriteAttributes). moto does enforce the password policy on SignUp and answers
UserNotConfirmedException on InitiateAuth for unconfirmed users, so those pass through.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from typing import Any, Callable, Iterable

from ...lambdas import LambdaInvoker
from ...outbox import Outbox
from .attributes import check_writable, validate_attributes
from .lockout import SignInLockout
from .pools import (client_for_access_token, hides_existence, mark_email_verified, pool_by_id, pool_for_client,
                    user_status)
from .responses import CognitoError, Forwarded, Wsgi, error_response, forward, json_response, read_body
from .triggers import TRIGGER_TIMEOUT_SECONDS, run_post_confirmation

logger = logging.getLogger("telehealth_local.cognito_glue")

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# Cognito's confirmation codes stay valid for 24 hours.
CODE_TTL_SECONDS = 24 * 3600
DEFAULT_EMAIL_SUBJECT = "Your verification code"
DEFAULT_EMAIL_MESSAGE = "Your verification code is {####}. "


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


class CognitoGlue:
    """WSGI middleware for the Cognito operations moto gets wrong; the rest goes to moto."""

    OPERATIONS = frozenset({"SignUp", "ConfirmSignUp", "AdminConfirmSignUp", "ResendConfirmationCode",
                            "InitiateAuth", "UpdateUserAttributes"})

    def __init__(self, moto_app: Wsgi, invoker: LambdaInvoker, outbox: Outbox,
                 code_ttl: float = CODE_TTL_SECONDS, trigger_timeout: float = TRIGGER_TIMEOUT_SECONDS,
                 clock: Callable[[], float] = time.time):
        self._moto = moto_app
        self._invoker = invoker
        self._outbox = outbox
        self._code_ttl = code_ttl
        self._trigger_timeout = trigger_timeout
        self._clock = clock
        self._codes: dict[tuple[str, str], tuple[str, float]] = {}
        self._lockout = SignInLockout(clock)
        self._lock = threading.Lock()

    # -- routing ---------------------------------------------------------------------
    @classmethod
    def operation(cls, environ: dict[str, Any]) -> str | None:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(TARGET_PREFIX):
            return None
        name = target[len(TARGET_PREFIX):]
        return name if name in cls.OPERATIONS else None

    def handles(self, environ: dict[str, Any]) -> bool:
        return self.operation(environ) is not None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        operation = self.operation(environ)
        body = read_body(environ)
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = None
        if operation is None or not isinstance(params, dict):
            return self._forward(environ, body).send(start_response)
        handler = getattr(self, f"_{_snake(operation)}")
        try:
            return handler(environ, body, params, start_response)
        except CognitoError as error:
            return error_response(start_response, error)

    def _forward(self, environ: dict[str, Any], body: bytes) -> Forwarded:
        return forward(self._moto, environ, body)

    # -- codes -----------------------------------------------------------------------
    def _issue_code(self, pool: Any, user: Any) -> dict[str, str] | None:
        """A fresh code for the user, e-mailed through the outbox; its delivery details."""
        email = user.attribute_lookup.get("email")
        if not email:
            return None
        code = f"{secrets.randbelow(1_000_000):06d}"
        with self._lock:
            self._codes[(pool.id, user.username)] = (code, self._clock() + self._code_ttl)
        config = pool.extended_config or {}
        template = (config.get("VerificationMessageTemplate") or {})
        subject = config.get("EmailVerificationSubject") or template.get("EmailSubject") or DEFAULT_EMAIL_SUBJECT
        message = config.get("EmailVerificationMessage") or template.get("EmailMessage") or DEFAULT_EMAIL_MESSAGE
        self._outbox.add_email(email, subject, message.replace("{####}", code), code=code)
        logger.info("confirmation code sent pool=%s user=%s", pool.id, user.username)
        return {"Destination": _mask_email(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}

    def _check_code(self, pool: Any, user: Any, code: Any) -> None:
        with self._lock:
            entry = self._codes.get((pool.id, user.username))
        if entry is None or not isinstance(code, str) or not secrets.compare_digest(entry[0], code):
            raise CognitoError("CodeMismatchException", "Invalid verification code provided, please try again.")
        if entry[1] < self._clock():
            raise CognitoError("ExpiredCodeException", "Invalid code provided, please request a code again.")

    def _forget_code(self, pool: Any, user: Any) -> None:
        with self._lock:
            self._codes.pop((pool.id, user.username), None)

    # -- operations ------------------------------------------------------------------
    def _sign_up(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        pool, client = pool_for_client(params.get("ClientId"))
        if pool is not None:
            check_writable(client, params.get("UserAttributes") or [])
            validate_attributes(pool, params.get("UserAttributes") or [])
        response = self._forward(environ, body)
        if response.status != 200 or pool is None:
            return response.send(start_response)
        result = response.json()
        user = pool.users.get(result.get("UserSub")) or pool._get_user(params.get("Username", ""))
        if user is not None:
            details = self._issue_code(pool, user)
            if details:
                result["CodeDeliveryDetails"] = details
        return json_response(start_response, 200, result)

    def _update_user_attributes(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                                start_response: Callable[..., Any]) -> Iterable[bytes]:
        client = client_for_access_token(params.get("AccessToken"))
        if client is not None:
            check_writable(client, params.get("UserAttributes") or [])
        return self._forward(environ, body).send(start_response)

    def _confirm_sign_up(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                         start_response: Callable[..., Any]) -> Iterable[bytes]:
        pool, client = pool_for_client(params.get("ClientId"))
        if pool is None:
            return self._forward(environ, body).send(start_response)
        user = pool._get_user(params.get("Username", "")) if isinstance(params.get("Username"), str) else None
        if user is None:
            if hides_existence(client):
                raise CognitoError("CodeMismatchException", "Invalid verification code provided, please try again.")
            return self._forward(environ, body).send(start_response)
        if user_status(user) == "CONFIRMED":
            raise CognitoError("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
        self._check_code(pool, user, params.get("ConfirmationCode"))
        response = self._forward(environ, body)
        if response.status != 200:
            return response.send(start_response)
        self._forget_code(pool, user)
        mark_email_verified(user)
        run_post_confirmation(self._invoker, pool, user, params.get("ClientId"), params.get("ClientMetadata"),
                              self._trigger_timeout)
        return response.send(start_response)

    def _admin_confirm_sign_up(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                               start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self._forward(environ, body)
        if response.status != 200:
            return response.send(start_response)
        pool = pool_by_id(params.get("UserPoolId"))
        user = pool._get_user(params.get("Username", "")) if pool is not None else None
        if pool is not None and user is not None:
            self._forget_code(pool, user)
            run_post_confirmation(self._invoker, pool, user, None, params.get("ClientMetadata"), self._trigger_timeout)
        return response.send(start_response)

    def _resend_confirmation_code(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                                  start_response: Callable[..., Any]) -> Iterable[bytes]:
        pool, client = pool_for_client(params.get("ClientId"))
        if pool is None:
            raise CognitoError("ResourceNotFoundException", f"User pool client {params.get('ClientId')} does not exist.")
        username = params.get("Username")
        user = pool._get_user(username) if isinstance(username, str) else None
        if user is None:
            if hides_existence(client):
                # Cognito pretends a code went to a simulated destination.
                masked = _mask_email(username) if isinstance(username, str) and "@" in username else "***"
                return json_response(start_response, 200, {"CodeDeliveryDetails": {
                    "Destination": masked, "DeliveryMedium": "EMAIL", "AttributeName": "email"}})
            raise CognitoError("UserNotFoundException", "Username/client id combination not found.")
        if user_status(user) == "CONFIRMED":
            raise CognitoError("InvalidParameterException", "User is already confirmed.")
        details = self._issue_code(pool, user)
        if details is None:
            raise CognitoError("InvalidParameterException", "There is no verified e-mail address for this user.")
        return json_response(start_response, 200, {"CodeDeliveryDetails": details})

    def _initiate_auth(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                       start_response: Callable[..., Any]) -> Iterable[bytes]:
        key = SignInLockout.key(params)
        if key is not None:
            self._lockout.refuse_if_locked(key)
        response = self._forward(environ, body)
        error_type = response.json().get("__type") if response.status == 400 else None
        if key is not None:
            self._lockout.count(key, failed=error_type in ("NotAuthorizedException", "UserNotFoundException"),
                                succeeded=response.status == 200)
        if error_type == "UserNotFoundException":
            _pool, client = pool_for_client(params.get("ClientId"))
            if client is not None and hides_existence(client):
                raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
        return response.send(start_response)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
