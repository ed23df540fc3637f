"""Builds a service's OpenAPI 3.1 document from its route table and pydantic models."""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .models.common import ErrorBody
from .route_doc import DocumentedApp, RouteDoc

_ERROR_TEXT = {
    400: "Invalid input (ValidationError)", 401: "Missing, malformed, expired or forged token (Unauthorized)",
    403: "Authenticated but not allowed (Forbidden)", 404: "No such resource, or the caller is not a participant (NotFound)",
    409: "The resource's state forbids this (Conflict)", 413: "Request body too large (PayloadTooLarge)",
    415: "The body is not application/json (UnsupportedMediaType)",
    429: "Throttled (TooManyRequests)", 503: "A dependency failed after retries; nothing was changed (Unavailable)",
}


def _error_statuses(route: RouteDoc) -> list[int]:
    statuses = {429, 503, *route.errors}
    if route.body is not None or route.query is not None:
        statuses.add(400)
    if route.body is not None:
        statuses.update({413, 415})
    if route.auth:
        statuses.add(401)
    if route.roles:
        statuses.add(403)
    if "{" in route.path:
        statuses.add(404)
    return sorted(statuses)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string, never JSON null: drop the null branch."""
    options = schema.get("anyOf")
    if options:
        kept = [o for o in options if o.get("type") != "null"]
        if len(kept) == 1:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
            return {**kept[0], **rest}
    return schema


def _query_parameters(model: type[BaseModel], schema: dict[str, Any]) -> list[dict[str, Any]]:
    parameters = []
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        parameters.append({"name": name, "in": "query", "required": name in required, "schema": _without_null(prop)})
    return parameters


def build_openapi(app: DocumentedApp) -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorBody}
    for route in app.route_docs:
        for model in (route.body, route.response):
            if model is not None:
                models.add(model)
    ordered = sorted(models, key=lambda m: m.__name__)
    keys = [(m, "validation" if any(r.body is m for r in app.route_docs) else "serialization") for m in ordered]
    refs, defs = models_json_schema(keys, ref_template="#/components/schemas/{model}")
    components = defs.get("$defs", {})

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return refs[(model, mode)]

    paths: dict[str, Any] = {"/health": {"get": {
        "summary": "Liveness", "operationId": "health", "security": [],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"status": {"const": "ok"}, "service": {"type": "string"}},
            "required": ["status", "service"]}}}}}}},
        "/openapi.json": {"get": {
            "summary": "This document", "operationId": "openapi", "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}}}
    for route in app.route_docs:
        item = paths.setdefault(route.path, {})
        path_params = re.findall(r"{([^}]+)}", route.path)
        for method in route.methods:
            operation: dict[str, Any] = {
                "summary": route.summary,
                "operationId": f"{method.lower()}_{re.sub(r'[^A-Za-z0-9]+', '_', route.path).strip('_') or 'root'}",
                "parameters": [{"name": p, "in": "path", "required": True,
                                "schema": {"type": "string", "minLength": 1, "maxLength": 64}} for p in path_params],
                "responses": {},
            }
            if route.roles:
                operation["description"] = "Allowed roles: " + ", ".join(route.roles)
                operation["x-roles"] = list(route.roles)
            if not route.auth:
                operation["security"] = []
            if route.query is not None:
                query_schema = route.query.model_json_schema(by_alias=True)
                operation["parameters"] += _query_parameters(route.query, query_schema)
            for header in route.headers:
                operation["parameters"].append({"name": header, "in": "header", "required": False,
                                                "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                                                           "pattern": "^[\\x21-\\x7E]+$"}})
            if route.body is not None:
                operation["requestBody"] = {"required": route.body_required, "content": {"application/json": {"schema": ref(route.body, "validation")}}}
            success: dict[str, Any] = {"description": "Success"}
            if route.response is not None:
                success["content"] = {"application/json": {"schema": ref(route.response, "serialization")}}
            else:
                success["content"] = {"application/json": {"schema": {"type": "object"}}}
            operation["responses"][str(route.status)] = success
            for status in _error_statuses(route):
                operation["responses"][str(status)] = {
                    "description": _ERROR_TEXT.get(status, "Error"),
                    "content": {"application/json": {"schema": ref(ErrorBody, "serialization")}}}
            item[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": f"telehealth {app.service} service", "version": app.version,
                 "description": "Generated from the service's route table and pydantic models; see docs/api/README.md in the repository."},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"cognitoIdToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                                   "description": "Cognito ID token from POST /signin"}},
        },
        "security": [{"cognitoIdToken": []}],
    }
