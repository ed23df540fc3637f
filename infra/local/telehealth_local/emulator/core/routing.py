"""Maps a raw HTTP method + path + query to an operation of one of the emulated services.

Routes come from each operation's `http.method` and `http.requestUri` in the botocore model.
Matching happens on the raw (still percent-encoded) path: it is split on '/' first and each
segment is decoded afterwards, so an ARN sent as one label (`arn%3Aaws%3A...%2Fchannel%2Fx`)
stays one label. When several routes match, the most specific wins: more literal segments,
then more required query literals, then no greedy label.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, unquote

from .service_models import service_model

_LABEL = re.compile(r"^\{([^{}+]+)(\+?)\}$")


@dataclasses.dataclass(frozen=True)
class Segment:
    literal: str | None  # None for a label
    label: str | None = None
    greedy: bool = False
    # A trailing ARN label: AWS also accepts the ARN's '/' unencoded (the Go SDK, hence
    # Terraform, sends `/v1/tags/arn:aws:…:apps/ID`), so it may absorb the remaining segments.
    arn_tail: bool = False


@dataclasses.dataclass(frozen=True)
class Route:
    service: str
    operation: str
    method: str
    segments: tuple[Segment, ...]
    # Query literals from the requestUri: name -> required value (None: must only be present).
    query: tuple[tuple[str, str | None], ...]

    @property
    def specificity(self) -> tuple[int, int, int]:
        literals = sum(1 for s in self.segments if s.literal is not None)
        greedy = any(s.greedy or s.arn_tail for s in self.segments)
        return (literals, len(self.query), 0 if greedy else 1)

    def match(self, method: str, raw_segments: Sequence[str], query: Mapping[str, list[str]]) -> dict[str, str] | None:
        """The decoded uri labels if this route matches, else None."""
        if method != self.method:
            return None
        for name, value in self.query:
            values = query.get(name)
            if values is None or (value is not None and value not in values):
                return None
        labels: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.arn_tail and len(raw_segments) > len(self.segments) and \
                    unquote(raw_segments[index]).startswith("arn:"):
                labels[segment.label] = "/".join(unquote(part) for part in raw_segments[index:])
                return labels
            if segment.greedy:
                rest = raw_segments[index:]
                if not rest or not any(rest):
                    return None
                labels[segment.label] = "/".join(unquote(part) for part in rest)
                return labels
            if index >= len(raw_segments):
                return None
            decoded = unquote(raw_segments[index])
            if segment.literal is not None:
                if decoded != segment.literal:
                    return None
            else:
                if decoded == "":
                    return None
                labels[segment.label] = decoded
        if len(raw_segments) != len(self.segments):
            return None
        return labels


def parse_request_uri(service: str, operation: str, method: str, request_uri: str) -> Route:
    path, _, query_text = request_uri.partition("?")
    segments: list[Segment] = []
    for part in _split_path(path):
        found = _LABEL.match(part)
        if found:
            segments.append(Segment(literal=None, label=found.group(1), greedy=bool(found.group(2))))
        elif "{" in part or "}" in part:
            # No model we emulate mixes a label with literal text in one segment; fail loudly
            # rather than route wrongly if a model update introduces one.
            raise ValueError(f"{service}.{operation}: unsupported requestUri segment {part!r}")
        else:
            segments.append(Segment(literal=unquote(part)))
    for index, segment in enumerate(segments):
        if segment.greedy and index != len(segments) - 1:
            raise ValueError(f"{service}.{operation}: greedy label must be the last segment")
    if segments and segments[-1].label and not segments[-1].greedy and segments[-1].label.lower().endswith("arn"):
        segments[-1] = dataclasses.replace(segments[-1], arn_tail=True)
    query: list[tuple[str, str | None]] = []
    for item in filter(None, query_text.split("&")):
        name, sep, value = item.partition("=")
        query.append((unquote(name), unquote(value) if sep else None))
    return Route(service, operation, method.upper(), tuple(segments), tuple(query))


def _split_path(path: str) -> list[str]:
    """Path segments without the leading empty one; '/' alone is no segment; a trailing '/' is ignored."""
    parts = path.split("/")
    if parts and parts[0] == "":
        parts = parts[1:]
    if parts and parts[-1] == "":
        parts = parts[:-1]
    return parts


def split_raw_path(raw_path: str) -> list[str]:
    return _split_path(raw_path)


def parse_query(raw_query: str) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query.setdefault(name, []).append(value)
    return query


def is_json_protocol(service: str) -> bool:
    """True for services speaking AWS JSON 1.0/1.1 (operation named by X-Amz-Target), not REST-JSON."""
    return service_model(service).protocol == "json"


def target_operation(service: str, target: str | None) -> str | None:
    """The operation an X-Amz-Target header (`Prefix.Operation`) names for a JSON-protocol service."""
    if not target:
        return None
    prefix, _, operation = target.partition(".")
    model = service_model(service)
    if prefix != model.metadata.get("targetPrefix") or operation not in model.operation_names:
        return None
    return operation


class RouteTable:
    """Every operation route of a set of services, looked up by the most specific match."""

    def __init__(self, services: Iterable[str]):
        self.routes: list[Route] = []
        for service in services:
            model = service_model(service)
            if is_json_protocol(service):
                continue  # every operation is POST /: routed by X-Amz-Target instead
            for operation in model.operation_names:
                http = model.operation_model(operation).http
                self.routes.append(parse_request_uri(service, operation, http["method"], http["requestUri"]))

    def candidates(self, method: str, raw_path: str, query: Mapping[str, list[str]],
                   services: Iterable[str] | None = None) -> list[tuple[Route, dict[str, str]]]:
        """All routes tied for the best specificity (several only when services share a path)."""
        allowed = set(services) if services is not None else None
        raw_segments = split_raw_path(raw_path)
        best: list[tuple[Route, dict[str, str]]] = []
        best_score: tuple[int, int, int] | None = None
        for route in self.routes:
            if allowed is not None and route.service not in allowed:
                continue
            labels = route.match(method.upper(), raw_segments, query)
            if labels is None:
                continue
            score = route.specificity
            if best_score is None or score > best_score:
                best, best_score = [(route, labels)], score
            elif score == best_score:
                best.append((route, labels))
        return best
