"""IAM on the local endpoint: every signed request is evaluated against its caller's policies
with moto's IAM policy engine before moto, the glue or our emulator sees it, and every
decision on a role's request is recorded (the control API serves the record).

Callers: the root keys (`testing`) may do everything, as the account root does; keys that
moto's STS issued (AssumeRole) act as their role, narrowed by the session policy if one was
passed; keys of IAM users act as the user; moto's own Step Functions interpreter (key `ak`)
acts as the state machine's service. Anything else is refused as AWS refuses an unknown key.
Unsigned requests pass only for operations the service model marks as unauthenticated
(Cognito's SignUp, InitiateAuth, GetUser, ...) and the user pool's public JWKS.
"""
from __future__ import annotations

import datetime
import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..layout import ACCOUNT_ID, CREDENTIALS
from .requests import Authorization, SignedRequest, authorizations, operation_and_params, signed_request

logger = logging.getLogger("telehealth_local.iam")

ROOT_ACCESS_KEYS = frozenset({CREDENTIALS["AWS_ACCESS_KEY_ID"]})
# moto's Step Functions interpreter signs its Lambda calls with this fixed key (see docs/local-stack.md).
SERVICE_ACCESS_KEYS = frozenset({"ak"})
QUERY_SERVICES = frozenset({"iam", "sts"})
_READ_PREFIXES = ("Get", "List", "Describe", "Simulate", "Generate")
MAX_CACHED_PRINCIPALS = 10_000

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Principal:
    """One caller: what its policies are, compiled once per access key."""

    kind: str  # "root", "service", "role" or "user"
    arn: str
    name: str  # the role (or user) name usage is recorded under
    policies: list[Any]
    session_policy: Any = None
    role_arn: str | None = None
    expires_at: datetime.datetime | None = None


class Refusal(Exception):
    def __init__(self, status_json: int, code_json: str, code_query: str, status_query: int, message: str):
        super().__init__(message)
        self.status_json = status_json
        self.code_json = code_json
        self.code_query = code_query
        self.status_query = status_query
        self.message = message


def _invalid_token() -> Refusal:
    return Refusal(400, "UnrecognizedClientException", "InvalidClientTokenId", 403,
                   "The security token included in the request is invalid.")


def _policy(document: Any) -> Any:
    from moto.iam.access_control import IAMPolicy

    return IAMPolicy(document if isinstance(document, str) else json.dumps(document))


class IamEnforcer:
    """`check(environ)` returns None (go on) or a WSGI app answering the refusal."""

    def __init__(self, account_id: str = ACCOUNT_ID):
        self.account_id = account_id
        self._principals: dict[tuple[str, str | None], Principal] = {}
        self._lock = threading.Lock()
        self.usage: Counter[tuple[str, str, str, str]] = Counter()

    # -- who is calling ----------------------------------------------------------------
    def invalidate(self) -> None:
        """Forget compiled policies (after any IAM write: a role's policy may have changed)."""
        with self._lock:
            self._principals.clear()

    def principal(self, access_key: str, token: str | None) -> Principal:
        cached = self._principals.get((access_key, token))
        if cached is None:
            cached = self._resolve(access_key, token)
            with self._lock:
                if len(self._principals) >= MAX_CACHED_PRINCIPALS:  # one per websocket session: bound it
                    self._principals.clear()
                self._principals[(access_key, token)] = cached
        return cached

    def _resolve(self, access_key: str, token: str | None) -> Principal:
        if access_key in ROOT_ACCESS_KEYS:
            return Principal("root", f"arn:aws:iam::{self.account_id}:root", "root", [])
        if access_key in SERVICE_ACCESS_KEYS:
            return Principal("service", "states.amazonaws.com", "states.amazonaws.com", [])
        from moto.iam.access_control import CreateAccessKeyFailure, create_access_key
        from moto.sts.models import sts_backends

        headers = {"X-Amz-Security-Token": token} if token is not None else {}
        try:
            key = create_access_key(self.account_id, "aws", access_key, headers)
        except CreateAccessKeyFailure:
            raise _invalid_token() from None
        policies = [_policy(p) if isinstance(p, str) else _from_moto(p) for p in key.collect_policies()]
        assumed = sts_backends[self.account_id]["aws"].get_assumed_role_from_access_key(access_key)
        if assumed is None:
            name = key.arn.rsplit("/", 1)[-1]
            return Principal("user", key.arn, name, policies)
        return Principal("role", key.arn, assumed.role_arn.rsplit("/", 1)[-1], policies,
                         session_policy=_policy(assumed.policy) if assumed.policy else None,
                         role_arn=assumed.role_arn, expires_at=assumed.expiration)

    # -- deciding ----------------------------------------------------------------------
    def check(self, environ: dict[str, Any]) -> Wsgi | None:
        request = signed_request(environ)
        if request is None:
            return None if _public(environ) else _answer(
                environ, None, Refusal(403, "MissingAuthenticationTokenException", "MissingAuthenticationToken",
                                       403, "Request is missing Authentication Token"))
        try:
            principal = self.principal(request.access_key, request.session_token)
            if principal.kind in ("root", "service"):
                if principal.kind == "root" and request.service == "iam":
                    self._after_iam_call(environ)
                return None
            if principal.expires_at is not None and principal.expires_at < _utcnow():
                raise Refusal(400, "ExpiredTokenException", "ExpiredToken", 400,
                              "The security token included in the request is expired")
            everything = authorizations(request, self.account_id)
            if everything is None:
                raise Refusal(400, "AccessDeniedException", "AccessDenied", 403,
                              f"User: {principal.arn} is not authorized to perform this {request.service} request "
                              "(the local stack does not recognise its operation)")
            for wanted in everything:
                reason = self.denial(principal, wanted)
                self._record(principal, wanted.action, wanted.resources, reason)
                if reason:
                    raise Refusal(400, "AccessDeniedException", "AccessDenied", 403, reason)
            if request.service == "iam" and not everything[0].action.split(":", 1)[1].startswith(_READ_PREFIXES):
                self.invalidate()
            return None
        except Refusal as refusal:
            return _answer(environ, request, refusal)

    def authorize(self, access_key: str, token: str | None, action: str, resource: str) -> str | None:
        """For servers beside the endpoint (messaging sessions): None if allowed, else why not."""
        try:
            principal = self.principal(access_key, token)
        except Refusal as refusal:
            return refusal.message
        if principal.kind in ("root", "service"):
            return None
        reason = self.denial(principal, Authorization(action, (resource,)))
        self._record(principal, action, (resource,), reason)
        return reason

    def _record(self, principal: Principal, action: str, resources: Iterable[str], reason: str | None) -> None:
        outcome = "denied" if reason else "allowed"
        with self._lock:
            for resource in resources:
                self.usage[(principal.name, action, resource, outcome)] += 1

    def _after_iam_call(self, environ: dict[str, Any]) -> None:
        # Root changed (or read) IAM: drop compiled policies unless it certainly only read.
        request = signed_request(environ)
        operation = operation_and_params(request)[0] if request else None
        if not operation or not operation.startswith(_READ_PREFIXES):
            self.invalidate()

    def denial(self, principal: Principal, wanted: Authorization) -> str | None:
        """None when every resource is allowed, else AWS's wording of why not."""
        from moto.iam.access_control import IAMPolicy, PermissionResult

        action = wanted.action
        if action == "sts:GetCallerIdentity":
            return None  # always allowed, whatever the policies say (as on AWS)
        for resource in wanted.resources:
            on = f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource}"
            verdict = _evaluate(principal.policies, action, resource, PermissionResult)
            if verdict == "deny":
                return f"{on} with an explicit deny in an identity-based policy"
            if verdict != "allow":
                return f"{on} because no identity-based policy allows the {action} action"
            if principal.session_policy is not None and _evaluate(
                    [principal.session_policy], action, resource, PermissionResult) != "allow":
                return f"{on} because no session policy allows the {action} action"
            if action == "sts:AssumeRole" and not self._trusted(principal, resource, IAMPolicy, PermissionResult):
                return f"{on}"
        return None

    def _trusted(self, principal: Principal, role_arn: str, iam_policy: Any, results: Any) -> bool:
        """The target role's trust policy names the caller's role (as AWS matches role sessions)."""
        from moto.iam.models import iam_backends

        try:
            role = iam_backends[self.account_id]["aws"].get_role_by_arn(role_arn)
        except Exception:  # no such role: AWS answers AccessDenied too
            return False
        trust = json.loads(role.assume_role_policy_document)
        statements = trust["Statement"] if isinstance(trust["Statement"], list) else [trust["Statement"]]
        if not all(isinstance(s.get("Principal"), dict) and "AWS" in s["Principal"] for s in statements):
            return False  # service principals (lambda.amazonaws.com) never match a role session
        caller = principal.role_arn or principal.arn
        return iam_policy(json.dumps(trust)).is_action_permitted("sts:AssumeRole", principal=caller) \
            == results.PERMITTED

    # -- the record --------------------------------------------------------------------
    def usage_records(self) -> list[dict[str, Any]]:
        with self._lock:
            items = sorted(self.usage.items())
        return [{"role": role, "action": action, "resource": resource, "outcome": outcome, "count": count}
                for (role, action, resource, outcome), count in items]


def _from_moto(policy: Any) -> Any:
    from moto.iam.access_control import IAMPolicy

    return IAMPolicy(policy)


def _evaluate(policies: list[Any], action: str, resource: str, results: Any) -> str:
    """"allow", "deny" (explicit) or "implicit" over a set of policies, as IAM combines them."""
    allowed = False
    for policy in policies:
        result = policy.is_action_permitted(action, resource)
        if result == results.DENIED:
            return "deny"
        if result == results.PERMITTED:
            allowed = True
    return "allow" if allowed else "implicit"


def _utcnow() -> datetime.datetime:
    # moto keeps naive UTC datetimes.
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _public(environ: dict[str, Any]) -> bool:
    """Unsigned requests AWS serves: unauthenticated operations and the pool's public keys."""
    if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO", "").endswith("/.well-known/jwks.json"):
        return True
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    prefix, _, operation = target.partition(".")
    if prefix != "AWSCognitoIdentityProviderService" or not operation:
        return False
    return operation in _unauthenticated_cognito_operations()


_unauthenticated: frozenset[str] | None = None


def _unauthenticated_cognito_operations() -> frozenset[str]:
    global _unauthenticated
    if _unauthenticated is None:
        import botocore.session

        model = botocore.session.get_session().get_service_model("cognito-idp")
        _unauthenticated = frozenset(name for name in model.operation_names
                                     if model.operation_model(name).auth_type == "none")
    return _unauthenticated


def _answer(environ: dict[str, Any], request: SignedRequest | None, refusal: Refusal) -> Wsgi:
    """The refusal in the wire format of the service asked (JSON, query XML or REST)."""
    service = request.service if request else ""
    if service in QUERY_SERVICES:
        body = (f'<ErrorResponse xmlns="https://{service}.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                f"<Code>{refusal.code_query}</Code><Message>{_xml(refusal.message)}</Message></Error>"
                "<RequestId>local</RequestId></ErrorResponse>").encode()
        return _wsgi(refusal.status_query, "text/xml", body, {})
    if environ.get("HTTP_X_AMZ_TARGET") or not request:
        body = json.dumps({"__type": refusal.code_json, "message": refusal.message}).encode()
        return _wsgi(refusal.status_json, "application/x-amz-json-1.0", body, {"x-amzn-ErrorType": refusal.code_json})
    # REST services: Chime SDK and Pinpoint name IAM refusals ForbiddenException, Lambda AccessDeniedException.
    if service in ("chime", "mobiletargeting"):
        error_type = "ForbiddenException" if refusal.code_json == "AccessDeniedException" else (
            "UnauthorizedClientException" if service == "chime" else refusal.code_json)
        code = {"ForbiddenException": "AccessDenied", "UnauthorizedClientException": "Unauthorized"}.get(
            error_type, refusal.code_query)
        body = json.dumps({"Code": code, "Message": refusal.message}).encode()
        status = 403 if error_type == "ForbiddenException" else 401 if service == "chime" else 403
        return _wsgi(status, "application/json", body, {"x-amzn-ErrorType": error_type})
    body = json.dumps({"Type": "User", "message": refusal.message}).encode()
    return _wsgi(403, "application/json", body, {"x-amzn-ErrorType": refusal.code_json})


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wsgi(status: int, content_type: str, body: bytes, headers: dict[str, str]) -> Wsgi:
    import http

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response(f"{status} {http.HTTPStatus(status).phrase}", [
            ("Content-Type", content_type), ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", "local"), *headers.items()])
        return [body]

    return app
