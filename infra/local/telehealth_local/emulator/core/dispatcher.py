"""The emulator's WSGI application: route, parse, validate, call the backend, render, for every emulated service."""
from __future__ import annotations

import dataclasses
import http
import importlib
import inspect
import logging
import traceback
import uuid
from typing import Any, Iterable, Mapping

from ..errors import AwsServiceError
from .deserialize import parse_input
from .errors import bad_request, not_implemented, service_failure, unknown_operation, unknown_target
from .ownership import chime_service_for_arn, pick_service
from .request import EmulatedRequest, credential_scope, from_environ, raw_target
from .routing import Route, RouteTable, is_json_protocol, parse_query, target_operation
from .serialize import Response, render_error, render_output
from .service_models import service_model, signing_name
from .state import BackendRegistry
from .validation import validate

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class EmulatedService:
    """One botocore service the emulator answers for.

    `package` is the dotted name of its service package (may be absent: then every operation
    is unimplemented). `exclusive` means moto has no such service, so every request signed
    for it (even an unknown path) is the emulator's; otherwise only the operations
    the package implements are taken and the rest go to moto.
    """

    name: str
    package: str
    exclusive: bool = True


@dataclasses.dataclass(frozen=True)
class ServicePackage:
    """What a service package declares: its operations and the class of its backends."""

    service: str
    module: str
    operations: dict[str, str]
    backend: type


def load_package(service: str, module: str) -> ServicePackage | None:
    """The package's responses (OPERATIONS, BACKEND), or None when the package does not exist."""
    try:
        responses = importlib.import_module(module + ".responses")
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        if exc.name == module + ".responses":
            log.warning("%s has no responses module: every %s operation is unimplemented", module, service)
            return None
        raise
    operations = getattr(responses, "OPERATIONS", None)
    backend = getattr(responses, "BACKEND", None)
    if not isinstance(operations, dict) or not inspect.isclass(backend):
        raise ImportError(f"{module}.responses must define OPERATIONS (dict) and BACKEND (the backend class)")
    model = service_model(service)
    unknown = sorted(set(operations) - set(model.operation_names))
    if unknown:
        raise ImportError(f"{module}.responses names operations {service} does not have: {unknown}")
    missing = sorted(method for method in operations.values() if not callable(getattr(backend, method, None)))
    if missing:
        raise ImportError(f"{module}: backend {backend.__name__} lacks methods {missing}")
    return ServicePackage(service, module, dict(operations), backend)


class Dispatcher:
    """A WSGI app answering for `services`, driven by their botocore models.

    `backends` gives the registry of each service (built with whatever the backends need);
    a loaded package without one gets `BackendRegistry(BACKEND)` (a backend needing nothing
    but its account and region).
    """

    def __init__(self, services: Iterable[EmulatedService], backends: Mapping[str, BackendRegistry] | None = None):
        self.services = {service.name: service for service in services}
        self.routes = RouteTable(self.services)
        self.packages: dict[str, ServicePackage] = {}
        self.backends: dict[str, BackendRegistry] = {}
        for service in self.services.values():
            package = load_package(service.name, service.package)
            if package is not None:
                self.packages[service.name] = package
                self.backends[service.name] = (backends or {}).get(service.name) or BackendRegistry(package.backend)
        self._by_signing: dict[str, list[str]] = {}
        for name in self.services:
            self._by_signing.setdefault(signing_name(name), []).append(name)

    # --- deciding -----------------------------------------------------------------------

    def implements(self, service: str, operation: str) -> bool:
        package = self.packages.get(service)
        return package is not None and operation in package.operations

    def services_for_signing(self, signing: str) -> list[str]:
        return list(self._by_signing.get(signing, []))

    def is_emulated(self, environ: Mapping[str, Any]) -> bool:
        """Whether this request is the emulator's (True) or moto's (False). Never reads the body."""
        scope = credential_scope(dict(environ))
        raw_path, raw_query = raw_target(dict(environ))
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        query = parse_query(raw_query)
        if scope is not None:
            services = self.services_for_signing(scope.service)
            if not services:
                return False
            if all(self.services[name].exclusive for name in services):
                return True
        else:
            services = list(self.services)
            target = environ.get("HTTP_X_AMZ_TARGET")
            if any(is_json_protocol(name) and target_operation(name, target) for name in services):
                return True
        candidates = self.routes.candidates(method, raw_path, query, services)
        owners = {route.service for route, _ in candidates}
        if len(owners) > 1:
            arn = (query.get("arn") or [None])[-1]
            owner = chime_service_for_arn(arn) if arn else None
            candidates = [(route, labels) for route, labels in candidates if route.service == owner]
        for route, _ in candidates:
            if self.services[route.service].exclusive or self.implements(route.service, route.operation):
                return True
        return False

    # --- answering ----------------------------------------------------------------------

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        response = self.handle(from_environ(environ))
        try:
            reason = http.HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        headers = list(response.headers.items())
        headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {reason}".strip(), headers)
        return [response.body]

    def handle(self, request: EmulatedRequest) -> Response:
        request_id = str(uuid.uuid4())
        service: str | None = None
        operation_name = "?"
        try:
            scope = request.scope
            services = self.services_for_signing(scope.service) if scope else list(self.services)
            if len(services) == 1:
                service = services[0]  # errors before routing still take this service's shape
            route, labels = self._route(request, services)
            service, operation_name = route.service, route.operation
            if not self.implements(service, operation_name):
                raise not_implemented(service, operation_name)
            operation = service_model(service).operation_model(operation_name)
            params = parse_input(operation, request, labels)
            validate(operation.input_shape, params)
            package = self.packages[service]
            backend = self.backends[service].get(request.account_id, request.region)
            result = getattr(backend, package.operations[operation_name])(**params)
            response = render_output(operation, result, request_id)
        except AwsServiceError as error:
            response = render_error(service_model(service) if service else None, error, request_id)
        except Exception as exc:  # a backend bug: answer like AWS (500) and keep the traceback
            # Type and frames only: exception messages may carry request values (PHI).
            log.error("%s.%s crashed: %s\n%s", service, operation_name, type(exc).__name__,
                      "".join(traceback.format_tb(exc.__traceback__)))
            response = render_error(service_model(service) if service else None,
                                    service_failure(service or ""), request_id)
        log.debug("%s %s.%s -> %s", request.method, service, operation_name, response.status)
        return response

    def _route(self, request: EmulatedRequest, services: list[str]):
        if not services:
            raise unknown_operation(request.method)
        json_services = [name for name in services if is_json_protocol(name)]
        if json_services:
            target = request.headers.get("x-amz-target")
            for name in json_services:
                operation = target_operation(name, target)
                if operation is not None:
                    return Route(name, operation, "POST", (), ()), {}
            if len(json_services) == len(services):
                raise unknown_target(target)
        candidates = self.routes.candidates(request.method, request.raw_path, request.query, services)
        if not candidates:
            raise unknown_operation(request.method)
        if len(candidates) == 1:
            return candidates[0]
        owner = pick_service([route.service for route, _ in candidates], request)
        for route, labels in candidates:
            if route.service == owner:
                return route, labels
        raise bad_request("ResourceARN does not name a resource of an emulated Chime SDK service.")

    def reset(self) -> None:
        """Forget the state of every implemented service (tests)."""
        for registry in self.backends.values():
            registry.reset()
