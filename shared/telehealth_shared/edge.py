"""The HTTP edge of every service: a Chalice app whose routes authenticate, parse bodies into
models and turn domain errors into the API's error body, all in this one place."""
from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
import uuid
from typing import Any, Callable, Iterable, Mapping, Type

from chalice import Chalice, Response
from pydantic import BaseModel, ValidationError

from . import audit as audit_trail
from . import log as logs
from . import metrics, tracing
from .auth import Principal, bearer_token, default_verifier
from .aws import default_clients
from .aws_errors import domain_error_for, error_code
from .cors import cors_config
from .errors import ConfigurationError, DomainError, Forbidden, PayloadTooLarge, Unauthorized, ValidationFailed
from .openapi import build_openapi
from .route_doc import RouteDoc

DEFAULT_MAX_BODY_BYTES = 16 * 1024
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")

logger = logging.getLogger("telehealth.edge")


def json_path(loc: Iterable[Any], root: str = "$") -> str:
    path = root
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _readable(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "is not valid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    return message


def validation_failed(exc: ValidationError, root: str = "$") -> ValidationFailed:
    details = []
    for error in exc.errors(include_url=False, include_input=False):
        if error.get("type") == "json_invalid":
            return ValidationFailed("The request body is not valid JSON.", [{"path": root, "message": "malformed JSON"}])
        details.append({"path": json_path(error.get("loc", ()), root), "message": _readable(error)})
    return ValidationFailed("The request has invalid fields.", details)


def parse_body(raw: bytes | None, model: Type[BaseModel], max_bytes: int = DEFAULT_MAX_BODY_BYTES,
               required: bool = True) -> BaseModel:
    """Validate a raw JSON body into `model`; unknown fields and bad JSON are 400s.

    An optional body (`required=False`) that is absent means the model's defaults."""
    raw = raw or b""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"The request body must be at most {max_bytes} bytes.")
    if not raw.strip():
        if not required:
            return model.model_validate({})
        raise ValidationFailed("A JSON object body is required.", [{"path": "$", "message": "missing body"}])
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise validation_failed(exc) from None


def parse_query(params: Mapping[str, Any] | None, model: Type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(dict(params or {}))
    except ValidationError as exc:
        raise validation_failed(exc, root="query") from None


def error_body(error: DomainError) -> dict[str, Any]:
    info: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details:
        info["details"] = error.details
    return {"error": info}


class _PerThread:
    """An attribute of the app that each thread sets and reads for itself."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, app: Any, owner: type | None = None) -> Any:
        return self if app is None else getattr(app._per_thread, self.name, None)

    def __set__(self, app: Any, value: Any) -> None:
        setattr(app._per_thread, self.name, value)


class TelehealthApp(Chalice):
    """A Chalice app with `api_route()` routes, `/health` and `/openapi.json`, one per service."""

    def __init__(self, service: str, version: str = "0.1.0", **kwargs: Any):
        # Chalice stores the request being served on the app object; a threaded local server
        # (and any multi-threaded host) would let one request read another's, so both live
        # per thread. Set before Chalice's __init__, which assigns them.
        self._per_thread = threading.local()
        super().__init__(app_name=f"telehealth-{service}", **kwargs)
        self.service = service
        self.version = version
        self.route_docs: list[RouteDoc] = []
        # Set before any route is declared: Chalice copies it into each route (and its OPTIONS).
        self.api.cors = cors_config()
        logs.configure(service)
        metrics.serving(service)
        tracing.start_tracing(service)
        self._register_builtin_routes()
        self.register_middleware(_api_error_bodies, "http")

    current_request = _PerThread()
    lambda_context = _PerThread()

    def _register_builtin_routes(self) -> None:
        service = self.service

        @self.route("/health", methods=["GET"])
        def health() -> dict[str, str]:
            return {"status": "ok", "service": service}

        @self.route("/openapi.json", methods=["GET"])
        def openapi() -> Response:
            return Response(body=json.dumps(build_openapi(self)), status_code=200,
                            headers={"Content-Type": "application/json"})

    def lambda_function(self, name: str | None = None) -> Callable[[Callable[..., Any]], Any]:
        """Chalice's `lambda_function`, with the invocation's request id on every log line and
        audit event, and the metrics it counted flushed when it returns."""
        register = super().lambda_function(name=name)

        def decorator(handler: Callable[..., Any]) -> Any:
            @functools.wraps(handler)
            def invoke(event: Any, context: Any) -> Any:
                request_id = getattr(context, "aws_request_id", None) or uuid.uuid4().hex
                token = logs.request_id_var.set(request_id)
                audit_token = audit_trail.current_request.set(audit_trail.RequestInfo(request_id=request_id))
                try:
                    return handler(event, context)
                finally:
                    logs.request_id_var.reset(token)
                    audit_trail.current_request.reset(audit_token)
                    metrics.flush()

            return register(invoke)

        return decorator

    def authenticate(self, headers: Mapping[str, str]) -> Principal:
        token = bearer_token(headers)
        return default_verifier().verify(token)

    def _authenticated(self, headers: Mapping[str, str], route: str) -> Principal:
        try:
            return self.authenticate(headers)
        except Unauthorized:
            _record_refusal(action="auth.token_refused", route=route)
            raise

    def api_route(self, path: str, methods: Iterable[str] = ("GET",), *, auth: bool = True,
            roles: Iterable[str] | None = None, body: Type[BaseModel] | None = None,
            query: Type[BaseModel] | None = None, status: int = 200, body_required: bool = True,
            response: Type[BaseModel] | None = None, errors: Iterable[int] = (),
            headers: Iterable[str] = (),
            max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a JSON route. The view receives url params, `principal` when `auth`,
        `body` and `query` as validated models, and returns a model (dumped) or a dict.
        `response`, `errors` (extra statuses the domain can answer) and `headers` (request
        headers it reads) only document the route in /openapi.json."""
        allowed_roles = frozenset(roles) if roles else None

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def endpoint(**url_params: Any) -> Response:
                request = self.current_request
                request_id = _request_id(request)
                token = logs.request_id_var.set(request_id)
                audit_token = audit_trail.current_request.set(
                    audit_trail.RequestInfo(request_id=request_id, source_ip=_source_ip(request)))
                started = time.perf_counter()
                try:
                    kwargs: dict[str, Any] = dict(url_params)
                    if auth:
                        principal = self._authenticated(request.headers, path)
                        if allowed_roles is not None and principal.role not in allowed_roles:
                            _record_refusal(action="auth.forbidden", route=path, principal=principal)
                            raise Forbidden("Your role is not allowed to do this.")
                        kwargs["principal"] = principal
                    if body is not None:
                        kwargs["body"] = parse_body(request.raw_body, body, max_body_bytes, body_required)
                    if query is not None:
                        kwargs["query"] = parse_query(request.query_params, query)
                    result = view(**kwargs)
                    response = _json_response(result, status, request_id)
                except Exception as exc:  # every failure becomes an API error body, never a trace
                    error = domain_error_for(exc)
                    if error is None:
                        logs.log_event(logger, "unhandled_error", logging.ERROR,
                                       error_type=type(exc).__name__, route=path)
                        logger.debug("unhandled", exc_info=True)
                        error = DomainError()
                    elif isinstance(exc, ConfigurationError):
                        logs.log_event(logger, "configuration_error", logging.ERROR, detail=exc.detail, route=path)
                    elif not isinstance(exc, DomainError):
                        logs.log_event(logger, "dependency_error", logging.WARNING,
                                       error_type=type(exc).__name__, route=path,
                                       aws_code=error_code(exc))
                    response = _json_response(error_body(error), error.status, request_id)
                    if getattr(error, "retry_after", None) is not None:
                        response.headers["Retry-After"] = str(error.retry_after)
                finally:
                    logs.request_id_var.reset(token)
                    audit_trail.current_request.reset(audit_token)
                    metrics.flush()
                logs.log_event(logger, "request", route=path, method=request.method,
                               status=response.status_code, request_id=request_id,
                               duration_ms=round((time.perf_counter() - started) * 1000, 1))
                return response

            self.route(path, methods=list(methods))(endpoint)
            self.route_docs.append(RouteDoc(
                path=path, methods=tuple(m.upper() for m in methods),
                summary=(view.__doc__ or view.__name__.replace("_", " ")).strip().splitlines()[0],
                auth=auth, roles=tuple(sorted(allowed_roles)) if allowed_roles else None,
                body=body, body_required=body_required, query=query, response=response, status=status,
                errors=tuple(sorted(set(errors))), headers=tuple(headers)))
            return view

        return decorator


# Errors Chalice answers itself, before any view runs (wrong method, non-JSON content type),
# carry its own {"Code", "Message"} body; the API's clients expect {"error": {...}} everywhere.
_CHALICE_ERROR_CODES = {400: "ValidationError", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                        405: "MethodNotAllowed", 409: "Conflict", 413: "PayloadTooLarge",
                        415: "UnsupportedMediaType", 429: "TooManyRequests", 503: "Unavailable"}
_CHALICE_ERROR_MESSAGES = {405: "This method is not allowed on this path.",
                           415: "Requests must be sent as application/json."}


def _api_error_bodies(event: Any, get_response: Callable[[Any], Response]) -> Response:
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        status = response.status_code
        message = _CHALICE_ERROR_MESSAGES.get(status) or ("The request could not be completed." if status >= 500
                                                          else "The request is not valid.")
        response.body = json.dumps({"error": {"code": _CHALICE_ERROR_CODES.get(status, "InternalError"),
                                              "message": message}})
        response.headers["Content-Type"] = "application/json"
    return response


def _record_refusal(*, action: str, route: str, principal: Principal | None = None) -> None:
    """A refused token or role is a security event; failing to record it must not turn the
    refusal into another answer, so a failed write is logged (the trail's own alarm) instead."""
    try:
        audit_trail.audit(default_clients(), action=action, resource_type="route", resource_id=route,
                          outcome="denied", principal=principal,
                          actor_id=None if principal else "anonymous", actor_role=None if principal else "none")
    except (DomainError, ConfigurationError) as exc:
        logs.log_event(logger, "audit_refusal_not_recorded", logging.ERROR, error_type=type(exc).__name__)


def _source_ip(request: Any) -> str | None:
    context = getattr(request, "context", None) or {}
    ip = (context.get("identity") or {}).get("sourceIp")
    return ip if isinstance(ip, str) and len(ip) <= 64 else None


def _request_id(request: Any) -> str:
    context = getattr(request, "context", None) or {}
    candidate = context.get("requestId")
    if isinstance(candidate, str) and _SAFE_REQUEST_ID.match(candidate):
        return candidate
    header = (request.headers or {}).get("x-request-id")
    if isinstance(header, str) and _SAFE_REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def _json_response(result: Any, status: int, request_id: str) -> Response:
    if isinstance(result, Response):
        result.headers.setdefault("x-request-id", request_id)
        return result
    if isinstance(result, BaseModel):
        payload: Any = result.model_dump(mode="json")
    else:
        payload = result
    return Response(
        body=json.dumps(payload, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json", "x-request-id": request_id},
    )
