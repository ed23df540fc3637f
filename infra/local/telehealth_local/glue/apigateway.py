"""API Gateway's gaps in moto 5.2.5 that `chalice deploy` and a deployed REST API need: Swagger 2.0 imports, and invoking a stage.

- ImportRestApi / PutRestApi: moto reads only OpenAPI 3 documents (and needs info.description,
  and a uri and httpMethod even on MOCK integrations); Chalice sends Swagger 2.0. The paths and `x-amazon-apigateway-integration` blocks moto reads
  are the same in both, so the document is handed on as OpenAPI 3.
- Invoking a stage: moto serves the control plane only. A request to
  `/restapis/<api id>/<stage>/_user_request_/<path>` on the endpoint is matched to the API's
  resource and method as API Gateway matches it, turned into the Lambda proxy event, run by the
  local Lambda workers (the deployed function's own code) and answered with its response. MOCK
  integrations (Chalice's CORS preflights) answer their static response.
"""
from __future__ import annotations

import base64
import fnmatch
import io
import json
import re
import time
import uuid
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, quote, unquote

from ..lambdas import LambdaInvocationError
from ..layout import ACCOUNT_ID, REGION

STAGE_REQUEST = re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$")
API_DOCUMENT = re.compile(r"^/restapis(/[^/]+)?/?$")
LAMBDA_URI = re.compile(r"^arn:aws:apigateway:[^:]+:lambda:path/2015-03-31/functions/(?P<function>arn:[^/]+)/invocations$")

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _is_document_upload(environ: dict[str, Any]) -> bool:
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if method == "POST" and path.rstrip("/") == "/restapis":
        return query.get("mode") == ["import"]
    return method == "PUT" and bool(API_DOCUMENT.match(path)) and path.rstrip("/") != "/restapis"


def _respond(start_response: Callable[..., Any], status: int, body: bytes, headers: list[tuple[str, str]]) -> list[bytes]:
    reason = {200: "OK", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway",
              504: "Gateway Timeout"}.get(status, "Status")
    start_response(f"{status} {reason}", [*headers, ("Content-Length", str(len(body)))])
    return [body]


def _message(start_response: Callable[..., Any], status: int, message: str, error_type: str | None = None) -> list[bytes]:
    headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", str(uuid.uuid4()))]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return _respond(start_response, status, json.dumps({"message": message}).encode(), headers)


class ApiGatewayGlue:
    """Answers the two gaps above; everything else about API Gateway stays with moto."""

    def __init__(self, moto: Wsgi, invoker: Any):
        self.moto = moto
        self.invoker = invoker

    def handles(self, environ: dict[str, Any]) -> bool:
        return bool(STAGE_REQUEST.match(environ.get("PATH_INFO", ""))) or _is_document_upload(environ)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = STAGE_REQUEST.match(environ.get("PATH_INFO", ""))
        if match:
            # PATH_INFO is already percent-decoded; segments are matched on the raw path, so an
            # encoded "/" inside a parameter stays inside it.
            raw = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or "").split("?", 1)[0]
            raw_match = STAGE_REQUEST.match(raw)
            raw_path = (raw_match["path"] if raw_match else None) or quote(match["path"] or "/")
            return self._invoke_stage(environ, start_response, match["api"], match["stage"], raw_path)
        return self._upload(environ, start_response)

    # -- ImportRestApi / PutRestApi ----------------------------------------------------------
    def _upload(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            document = None
        if isinstance(document, dict) and str(document.get("swagger", "")).startswith("2"):
            document.pop("swagger")
            document["openapi"] = "3.0.1"
            info = document.setdefault("info", {})
            if isinstance(info, dict):
                info.setdefault("description", "")
            for operations in (document.get("paths") or {}).values():
                for operation in (operations.values() if isinstance(operations, dict) else []):
                    integration = operation.get("x-amazon-apigateway-integration") if isinstance(operation, dict) else None
                    if isinstance(integration, dict) and str(integration.get("type", "")).lower() == "mock":
                        # moto's importer requires both, which a MOCK integration has no use for.
                        integration.setdefault("uri", "")
                        integration.setdefault("httpMethod", "POST")
            body = json.dumps(document).encode()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.moto(environ, start_response)

    # -- a stage's URL ---------------------------------------------------------------------
    def _invoke_stage(self, environ: dict[str, Any], start_response: Callable[..., Any], api_id: str, stage: str,
                      path: str) -> Iterable[bytes]:
        from moto.apigateway.models import apigateway_backends

        backend = apigateway_backends[ACCOUNT_ID][REGION]
        api = backend.apis.get(api_id)
        if api is None or stage not in api.stages:
            return _message(start_response, 403, "Forbidden", "ForbiddenException")
        method_name = environ.get("REQUEST_METHOD", "GET").upper()
        found = _match_resource(api, path)
        if found is None:
            return _message(start_response, 403, "Missing Authentication Token", "MissingAuthenticationTokenException")
        resource, path_parameters = found
        method = resource.resource_methods.get(method_name) or resource.resource_methods.get("ANY")
        if method is None:
            return _message(start_response, 403, "Missing Authentication Token", "MissingAuthenticationTokenException")
        integration = method.method_integration
        if integration is None:
            return _message(start_response, 500, "Internal server error")
        kind = (integration.integration_type or "").upper()
        if kind == "MOCK":
            return _mock_response(start_response, integration)
        target = LAMBDA_URI.match(integration.uri or "")
        if kind != "AWS_PROXY" or not target:
            # Chalice creates Lambda proxy and mock integrations only; others are not emulated.
            return _message(start_response, 500, f"the local stack runs AWS_PROXY Lambda integrations only, not {kind}")
        function_arn = target["function"]
        if not _invocation_allowed(function_arn, api_id, stage, method_name, resource.get_path()):
            # API Gateway's answer when the function's policy does not let it invoke.
            return _message(start_response, 500, "Internal server error")
        event = proxy_event(environ, api_id, stage, resource, path, path_parameters, api)
        try:
            result = self.invoker.invoke(function_arn, event)
        except LambdaInvocationError as exc:
            if exc.error_type == "Sandbox.Timedout":
                return _message(start_response, 504, "Endpoint request timed out")
            return _message(start_response, 502, "Internal server error")
        return _proxy_response(start_response, result)


def _match_resource(api: Any, path: str) -> tuple[Any, dict[str, str]] | None:
    """The resource API Gateway picks: literal segments beat {parameters}; {name+} takes the rest."""
    segments = [s for s in path.split("/") if s]
    best: tuple[int, Any, dict[str, str]] | None = None
    for resource in api.resources.values():
        template = [s for s in resource.get_path().split("/") if s]
        score, parameters = _match(template, segments)
        if score is not None and (best is None or score > best[0]):
            best = (score, resource, parameters)
    return (best[1], best[2]) if best else None


def _match(template: list[str], segments: list[str]) -> tuple[int | None, dict[str, str]]:
    parameters: dict[str, str] = {}
    score = 0
    for index, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest:
                return None, {}
            parameters[part[1:-2]] = unquote("/".join(rest))
            return score, parameters
        if index >= len(segments):
            return None, {}
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = unquote(segments[index])
        elif part == unquote(segments[index]):
            score += 1
        else:
            return None, {}
    if len(template) != len(segments):
        return None, {}
    return score * 2 + 1, parameters


def _invocation_allowed(function_arn: str, api_id: str, stage: str, method: str, resource_path: str) -> bool:
    """Whether the function's resource policy lets this API invoke it (as `chalice deploy` grants)."""
    from moto.awslambda.models import lambda_backends

    from moto.awslambda.exceptions import LambdaClientError

    try:
        wire = json.loads(lambda_backends[ACCOUNT_ID][REGION].get_policy(function_arn, None))
    except LambdaClientError:  # no such function, or no policy at all: API Gateway may not invoke
        return False
    policy = json.loads(wire["Policy"])
    source = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/{stage}/{method}{resource_path}"
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal")
        service = principal.get("Service") if isinstance(principal, dict) else principal
        if statement.get("Effect") != "Allow" or service != "apigateway.amazonaws.com":
            continue
        if statement.get("Action") not in ("lambda:InvokeFunction", "lambda:*"):
            continue
        condition = (statement.get("Condition") or {}).get("ArnLike", {}).get("AWS:SourceArn")
        if condition is None or fnmatch.fnmatchcase(source, condition):
            return True
    return False


def proxy_event(environ: dict[str, Any], api_id: str, stage: str, resource: Any, path: str,
                path_parameters: dict[str, str], api: Any) -> dict[str, Any]:
    """The Lambda proxy integration's event (REST API, payload format 1.0)."""
    headers: dict[str, list[str]] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.setdefault(key[5:].replace("_", "-").title(), []).append(value)
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers.setdefault(key.replace("_", "-").title(), []).append(environ[key])
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip()
    binary = content_type in (getattr(api, "binaryMediaTypes", None) or [])
    if binary:
        body: str | None = base64.b64encode(raw).decode()
    else:
        body = raw.decode("utf-8", errors="replace") if raw else None
    now = time.time()
    method = environ.get("REQUEST_METHOD", "GET").upper()
    request_id = str(uuid.uuid4())
    source_ip = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip() or environ.get("REMOTE_ADDR", "127.0.0.1")
    return {
        "resource": resource.get_path(),
        "path": unquote(path),
        "httpMethod": method,
        "headers": {k: v[-1] for k, v in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": resource.id, "resourcePath": resource.get_path(), "httpMethod": method,
            "extendedRequestId": request_id, "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{stage}{unquote(path)}", "accountId": ACCOUNT_ID, "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "stage": stage, "domainPrefix": api_id, "requestTimeEpoch": int(now * 1000), "requestId": request_id,
            "identity": {"sourceIp": source_ip, "userAgent": environ.get("HTTP_USER_AGENT"), "cognitoIdentityPoolId": None,
                         "accountId": None, "cognitoIdentityId": None, "caller": None, "accessKey": None,
                         "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None, "userArn": None,
                         "user": None},
            "domainName": f"{api_id}.execute-api.{REGION}.amazonaws.com", "apiId": api_id,
        },
        "body": body,
        "isBase64Encoded": binary,
    }


def _proxy_response(start_response: Callable[..., Any], result: Any) -> list[bytes]:
    """The function's answer, or API Gateway's 502 when it is not a proxy response."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return _message(start_response, 502, "Internal server error")
    body = result.get("body") or ""
    if not isinstance(body, str):
        return _message(start_response, 502, "Internal server error")
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers += [(name, str(v)) for v in values]
    for name, value in (result.get("headers") or {}).items():
        if name not in multi:
            headers.append((name, str(value)))
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    headers.append(("x-amzn-RequestId", str(uuid.uuid4())))
    status = result["statusCode"]
    start_response(f"{status} {'OK' if status < 400 else 'Error'}", [*headers, ("Content-Length", str(len(data)))])
    return [data]


def _mock_response(start_response: Callable[..., Any], integration: Any) -> list[bytes]:
    responses = integration.integration_responses or {}
    chosen = responses.get("200") or next(iter(responses.values()), None)
    headers = [("Content-Type", "application/json")]
    status = 200
    if chosen is not None:
        status = int(chosen.status_code)
        for key, value in (chosen.response_parameters or {}).items():
            if key.startswith("method.response.header."):
                headers.append((key[len("method.response.header."):], value.strip("'")))
    return _respond(start_response, status, b"", headers)
