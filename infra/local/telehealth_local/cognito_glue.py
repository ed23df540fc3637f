"""What Cognito does around moto's user pools: confirmation codes sent by e-mail and checked on
confirm, sign-up attribute checks, the post-confirmation trigger, and user-existence hiding.

moto 5.2.5 accepts any confirmation code, never runs triggers, has no ResendConfirmationCode,
does not check sign-up attributes against the pool's schema, ignores the app client's
PreventUserExistenceErrors and lets a client write any attribute (Cognito refuses, on SignUp and
UpdateUserAttributes, every attribute outside the app client's WriteAttributes). moto does enforce the password policy on SignUp and answers
UserNotConfirmedException on InitiateAuth for unconfirmed users, so those pass through.
"""
from __future__ import annotations

import io
import json
import logging
import re
import secrets
import threading
import time
import uuid
from typing import Any, Callable, Iterable

from werkzeug.test import run_wsgi_app

from .lambdas import LambdaInvocationError
from .outbox import Outbox, outbox as default_outbox

logger = logging.getLogger("telehealth_local.cognito_glue")

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# Cognito's confirmation codes stay valid for 24 hours.
CODE_TTL_SECONDS = 24 * 3600
# Cognito waits at most 5 seconds for a trigger.
TRIGGER_TIMEOUT_SECONDS = 5.0
DEFAULT_EMAIL_SUBJECT = "Your verification code"
DEFAULT_EMAIL_MESSAGE = "Your verification code is {####}. "
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
# Failures of the Lambda service itself, as opposed to an exception raised by the handler.
_INFRASTRUCTURE_ERRORS = ("Sandbox.", "Runtime.", "ResourceNotFoundException", "ServiceException",
                          "TooManyRequestsException")

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


LOCKOUT_AFTER_FAILURES = 5
LOCKOUT_MAX_SECONDS = 900.0


class CognitoError(Exception):
    def __init__(self, error_type: str, message: str, status: int = 400):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


def _json_response(start_response: Callable[..., Any], status: int, body: dict[str, Any],
                   error_type: str | None = None) -> list[bytes]:
    data = json.dumps(body).encode("utf-8")
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data))),
               ("x-amzn-RequestId", str(uuid.uuid4()))]
    if error_type:
        headers.append(("x-amzn-ErrorType", f"{error_type}:"))
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}.get(status, "Error")
    start_response(f"{status} {reason}", headers)
    return [data]


def _error_response(start_response: Callable[..., Any], error: CognitoError) -> list[bytes]:
    return _json_response(start_response, error.status, {"__type": error.error_type, "message": error.message},
                          error.error_type)


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


class _Forwarded:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def send(self, start_response: Callable[..., Any]) -> list[bytes]:
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(self.body))))
        start_response(f"{self.status} {'OK' if self.status == 200 else 'Error'}", headers)
        return [self.body]


class CognitoGlue:
    """WSGI middleware for the Cognito operations moto gets wrong; the rest goes to moto."""

    OPERATIONS = frozenset({"SignUp", "ConfirmSignUp", "AdminConfirmSignUp", "ResendConfirmationCode",
                            "InitiateAuth", "UpdateUserAttributes"})

    def __init__(self, moto_app: Wsgi, invoker: Any, outbox: Outbox | None = None,
                 code_ttl: float = CODE_TTL_SECONDS, trigger_timeout: float = TRIGGER_TIMEOUT_SECONDS,
                 clock: Callable[[], float] = time.time):
        self._moto = moto_app
        self._invoker = invoker
        self._outbox = outbox or default_outbox
        self._code_ttl = code_ttl
        self._trigger_timeout = trigger_timeout
        self._clock = clock
        self._codes: dict[tuple[str, str], tuple[str, float]] = {}
        # (client id, username) -> (consecutive failed sign-ins, locked until)
        self._failures: dict[tuple[str, str], tuple[int, float]] = {}
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
        body = self._read_body(environ)
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
            return _error_response(start_response, error)

    # -- moto access -----------------------------------------------------------------
    @staticmethod
    def _read_body(environ: dict[str, Any]) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        data = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(data)
        return data

    def _forward(self, environ: dict[str, Any], body: bytes) -> _Forwarded:
        forwarded = dict(environ)
        forwarded["wsgi.input"] = io.BytesIO(body)
        forwarded["CONTENT_LENGTH"] = str(len(body))
        app_iter, status, headers = run_wsgi_app(self._moto, forwarded, buffered=True)
        try:
            data = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close:
                close()
        return _Forwarded(int(status.split(" ", 1)[0]), list(headers.items()), data)

    @staticmethod
    def _pool_for_client(client_id: Any) -> tuple[Any, Any] | tuple[None, None]:
        """(user pool, app client) in moto's backends for an app client id."""
        if not isinstance(client_id, str):
            return None, None
        from moto.cognitoidp.models import cognitoidp_backends

        for account_backends in list(cognitoidp_backends.values()):
            for region, backend in list(account_backends.items()):
                if region == "global":
                    continue
                for pool in list(backend.user_pools.values()):
                    client = pool.clients.get(client_id)
                    if client is not None:
                        return pool, client
        return None, None

    @staticmethod
    def _hides_existence(client: Any) -> bool:
        return (client.extended_config or {}).get("PreventUserExistenceErrors") == "ENABLED"

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
        pool, client = self._pool_for_client(params.get("ClientId"))
        if pool is not None:
            self._check_writable(client, params.get("UserAttributes") or [])
            self._validate_attributes(pool, params.get("UserAttributes") or [])
        response = self._forward(environ, body)
        if response.status != 200 or pool is None:
            return response.send(start_response)
        result = response.json()
        user = pool.users.get(result.get("UserSub")) or pool._get_user(params.get("Username", ""))
        if user is not None:
            details = self._issue_code(pool, user)
            if details:
                result["CodeDeliveryDetails"] = details
        return _json_response(start_response, 200, result)

    @staticmethod
    def _check_writable(client: Any, attributes: list[Any]) -> None:
        """Cognito refuses a client's write of any attribute outside its WriteAttributes; a
        client with none configured may write the standard attributes only."""
        from moto.cognitoidp.models import CognitoIdpUserPoolAttribute

        allowed = set((client.extended_config or {}).get("WriteAttributes") or
                      CognitoIdpUserPoolAttribute.STANDARD_SCHEMA)
        for attribute in attributes:
            name = attribute.get("Name") if isinstance(attribute, dict) else None
            if isinstance(name, str) and name not in allowed:
                raise CognitoError("NotAuthorizedException", "A client attempted to write unauthorized attribute")

    def _update_user_attributes(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                                start_response: Callable[..., Any]) -> Iterable[bytes]:
        client = self._client_for_access_token(params.get("AccessToken"))
        if client is not None:
            self._check_writable(client, params.get("UserAttributes") or [])
        return self._forward(environ, body).send(start_response)

    @staticmethod
    def _client_for_access_token(token: Any) -> Any:
        """The app client that issued an access token (moto keeps token -> (client id, user))."""
        if not isinstance(token, str):
            return None
        from moto.cognitoidp.models import cognitoidp_backends

        for account_backends in list(cognitoidp_backends.values()):
            for region, backend in list(account_backends.items()):
                if region == "global":
                    continue
                for pool in list(backend.user_pools.values()):
                    entry = pool.access_tokens.get(token)
                    if entry is not None:
                        return pool.clients.get(entry[0])
        return None

    @staticmethod
    def _validate_attributes(pool: Any, attributes: list[Any]) -> None:
        """The schema checks Cognito makes on SignUp (moto makes none)."""
        from moto.cognitoidp.models import CognitoIdpUserPoolAttribute

        given: dict[str, str] = {}
        for attribute in attributes:
            if isinstance(attribute, dict) and isinstance(attribute.get("Name"), str):
                given[attribute["Name"]] = str(attribute.get("Value", ""))
        known = set(CognitoIdpUserPoolAttribute.STANDARD_SCHEMA) | set(pool.schema_attributes)
        for name in given:
            if name not in known:
                raise CognitoError("InvalidParameterException", "Attributes did not conform to the schema: "
                                   f"Type for attribute {{{name}}} could not be determined")
        username_attributes = set((pool.extended_config or {}).get("UsernameAttributes") or [])
        problems = []
        for name, attribute in pool.schema_attributes.items():
            value = given.get(name)
            if value is None:
                if attribute.required and name not in username_attributes:
                    problems.append(f"{name}: The attribute {name} is required")
                continue
            constraints = attribute.string_constraints or {}
            min_len, max_len = constraints.get("MinLength"), constraints.get("MaxLength")
            if max_len not in (None, "") and len(value) > int(max_len):
                problems.append(f"{name}: String must be no longer than {int(max_len)} characters")
            if min_len not in (None, "") and len(value) < int(min_len):
                problems.append(f"{name}: String must be no shorter than {int(min_len)} characters")
        if problems:
            raise CognitoError("InvalidParameterException",
                               "Attributes did not conform to the schema: " + ", ".join(problems))
        phone = given.get("phone_number")
        if phone is not None and not _E164.match(phone):
            raise CognitoError("InvalidParameterException", "Invalid phone number format.")

    def _confirm_sign_up(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                         start_response: Callable[..., Any]) -> Iterable[bytes]:
        pool, client = self._pool_for_client(params.get("ClientId"))
        if pool is None:
            return self._forward(environ, body).send(start_response)
        user = pool._get_user(params.get("Username", "")) if isinstance(params.get("Username"), str) else None
        if user is None:
            if self._hides_existence(client):
                raise CognitoError("CodeMismatchException", "Invalid verification code provided, please try again.")
            return self._forward(environ, body).send(start_response)
        if _status(user) == "CONFIRMED":
            raise CognitoError("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
        self._check_code(pool, user, params.get("ConfirmationCode"))
        response = self._forward(environ, body)
        if response.status != 200:
            return response.send(start_response)
        self._forget_code(pool, user)
        self._mark_email_verified(user)
        self._run_post_confirmation(pool, user, params.get("ClientId"), params.get("ClientMetadata"))
        return response.send(start_response)

    def _admin_confirm_sign_up(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                               start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self._forward(environ, body)
        if response.status != 200:
            return response.send(start_response)
        pool = self._pool_by_id(params.get("UserPoolId"))
        user = pool._get_user(params.get("Username", "")) if pool is not None else None
        if pool is not None and user is not None:
            self._forget_code(pool, user)
            self._run_post_confirmation(pool, user, None, params.get("ClientMetadata"))
        return response.send(start_response)

    @staticmethod
    def _pool_by_id(pool_id: Any) -> Any:
        if not isinstance(pool_id, str):
            return None
        from moto.cognitoidp.models import cognitoidp_backends

        for account_backends in list(cognitoidp_backends.values()):
            for region, backend in list(account_backends.items()):
                if region != "global" and pool_id in backend.user_pools:
                    return backend.user_pools[pool_id]
        return None

    def _resend_confirmation_code(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                                  start_response: Callable[..., Any]) -> Iterable[bytes]:
        pool, client = self._pool_for_client(params.get("ClientId"))
        if pool is None:
            raise CognitoError("ResourceNotFoundException", f"User pool client {params.get('ClientId')} does not exist.")
        username = params.get("Username")
        user = pool._get_user(username) if isinstance(username, str) else None
        if user is None:
            if self._hides_existence(client):
                # Cognito pretends a code went to a simulated destination.
                masked = _mask_email(username) if isinstance(username, str) and "@" in username else "***"
                return _json_response(start_response, 200, {"CodeDeliveryDetails": {
                    "Destination": masked, "DeliveryMedium": "EMAIL", "AttributeName": "email"}})
            raise CognitoError("UserNotFoundException", "Username/client id combination not found.")
        if _status(user) == "CONFIRMED":
            raise CognitoError("InvalidParameterException", "User is already confirmed.")
        details = self._issue_code(pool, user)
        if details is None:
            raise CognitoError("InvalidParameterException", "There is no verified e-mail address for this user.")
        return _json_response(start_response, 200, {"CodeDeliveryDetails": details})

    def _initiate_auth(self, environ: dict[str, Any], body: bytes, params: dict[str, Any],
                       start_response: Callable[..., Any]) -> Iterable[bytes]:
        key = self._sign_in_key(params)
        if key is not None:
            self._refuse_if_locked(key)
        response = self._forward(environ, body)
        error_type = response.json().get("__type") if response.status == 400 else None
        if key is not None:
            self._count_sign_in(key, failed=error_type in ("NotAuthorizedException", "UserNotFoundException"),
                                succeeded=response.status == 200)
        if error_type == "UserNotFoundException":
            _pool, client = self._pool_for_client(params.get("ClientId"))
            if client is not None and self._hides_existence(client):
                raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
        return response.send(start_response)

    # -- lockout (moto has none) ------------------------------------------------------
    @staticmethod
    def _sign_in_key(params: dict[str, Any]) -> tuple[str, str] | None:
        if params.get("AuthFlow") != "USER_PASSWORD_AUTH":
            return None
        username = (params.get("AuthParameters") or {}).get("USERNAME")
        if not isinstance(username, str):
            return None
        return str(params.get("ClientId")), username.strip().lower()

    def _refuse_if_locked(self, key: tuple[str, str]) -> None:
        """Cognito's documented lockout: from the fifth consecutive failure on, the user is
        locked for 1 s, doubling with each further failure up to about 15 minutes; attempts
        while locked fail (even with the right password) and count as failures."""
        with self._lock:
            failures, locked_until = self._failures.get(key, (0, 0.0))
            if self._clock() < locked_until:
                failures += 1
                self._failures[key] = (failures, self._lock_deadline(failures))
                raise CognitoError("NotAuthorizedException", "Password attempts exceeded")

    def _count_sign_in(self, key: tuple[str, str], *, failed: bool, succeeded: bool) -> None:
        with self._lock:
            if succeeded:
                self._failures.pop(key, None)
            elif failed:
                failures = self._failures.get(key, (0, 0.0))[0] + 1
                self._failures[key] = (failures, self._lock_deadline(failures))

    def _lock_deadline(self, failures: int) -> float:
        if failures < LOCKOUT_AFTER_FAILURES:
            return 0.0
        return self._clock() + min(LOCKOUT_MAX_SECONDS, 2.0 ** (failures - LOCKOUT_AFTER_FAILURES))

    # -- trigger ---------------------------------------------------------------------
    @staticmethod
    def _mark_email_verified(user: Any) -> None:
        # Confirming with the code Cognito e-mailed verifies that address.
        if user.attribute_lookup.get("email"):
            user.update_attributes([{"Name": "email_verified", "Value": "true"}])

    def _run_post_confirmation(self, pool: Any, user: Any, client_id: str | None, client_metadata: Any) -> None:
        lambda_config = (pool.extended_config or {}).get("LambdaConfig") or {}
        function_arn = lambda_config.get("PostConfirmation")
        if not function_arn:
            return
        event = post_confirmation_event(pool, user, client_id, client_metadata)
        try:
            result = self._invoker.invoke(function_arn, event, timeout=self._trigger_timeout)
        except LambdaInvocationError as exc:
            logger.warning("post-confirmation trigger failed pool=%s error=%s", pool.id, exc.error_type)
            if exc.error_type.startswith(_INFRASTRUCTURE_ERRORS):
                if exc.error_type == "Sandbox.Timedout":
                    reason = "Socket timeout while invoking Lambda function"
                else:
                    reason = exc.error_type
                raise CognitoError("UnexpectedLambdaException",
                                   f"PostConfirmation invocation failed due to error {reason}.") from None
            raise CognitoError("UserLambdaValidationException",
                               f"PostConfirmation failed with error {exc.message}.") from None
        if not isinstance(result, dict):
            raise CognitoError("InvalidLambdaResponseException", "Unrecognizable lambda output")


def _status(user: Any) -> str:
    status = getattr(user, "status", None)
    return getattr(status, "value", None) or str(status)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def post_confirmation_event(pool: Any, user: Any, client_id: str | None, client_metadata: Any) -> dict[str, Any]:
    """The event Cognito sends a PostConfirmation trigger after ConfirmSignUp."""
    attributes = dict(user.attribute_lookup)
    attributes["sub"] = user.id
    attributes["cognito:user_status"] = "CONFIRMED"
    attributes.setdefault("email_verified", "true" if attributes.get("email") else "false")
    request: dict[str, Any] = {"userAttributes": attributes}
    if isinstance(client_metadata, dict) and client_metadata:
        request["clientMetadata"] = client_metadata
    return {
        "version": "1",
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id or "CLIENT_ID_NOT_APPLICABLE"},
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": request,
        "response": {},
    }
