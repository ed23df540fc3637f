"""What a service's routes accept and return, as the edge records them and the OpenAPI builder
reads them (kept apart so neither imports the other)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, Type

from pydantic import BaseModel


@dataclass(frozen=True)
class RouteDoc:
    """What one route accepts and returns: the source of the service's OpenAPI document."""

    path: str
    methods: tuple[str, ...]
    summary: str
    auth: bool
    roles: tuple[str, ...] | None
    body: Type[BaseModel] | None
    body_required: bool
    query: Type[BaseModel] | None
    response: Type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    headers: tuple[str, ...] = ()


class DocumentedApp(Protocol):
    """A service app as its OpenAPI document needs it (TelehealthApp is one)."""

    service: str
    version: str
    route_docs: Sequence[RouteDoc]
