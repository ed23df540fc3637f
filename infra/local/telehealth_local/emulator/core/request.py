"""The parts of a WSGI request the emulator needs: raw path, query, headers, body and SigV4 scope.

Signatures are NOT verified on REST calls (the local stack trusts its callers, like moto);
only the credential scope is read, for the account (from the access key) and the region.
"""
from __future__ import annotations

import dataclasses
import os
import re
import sys
from urllib.parse import quote, urlsplit

from ...layout import ACCOUNT_ID, REGION
from .routing import parse_query

DEFAULT_ACCOUNT_ID = ACCOUNT_ID
DEFAULT_REGION = REGION

# Credential=AKID/20240101/us-east-1/chime/aws4_request
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")


@dataclasses.dataclass(frozen=True)
class CredentialScope:
    access_key: str
    region: str
    service: str


@dataclasses.dataclass
class EmulatedRequest:
    method: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]  # lower-cased names
    environ: dict
    _body: bytes | None = None

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_query(self.raw_query)

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = _read_body(self.environ)
        return self._body

    @property
    def scope(self) -> CredentialScope | None:
        return credential_scope(self.environ)

    @property
    def region(self) -> str:
        scope = self.scope
        return scope.region if scope else DEFAULT_REGION

    @property
    def account_id(self) -> str:
        scope = self.scope
        return account_for_access_key(scope.access_key) if scope else default_account_id()


def from_environ(environ: dict) -> EmulatedRequest:
    raw_path, raw_query = raw_target(environ)
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    return EmulatedRequest(environ.get("REQUEST_METHOD", "GET").upper(), raw_path, raw_query, headers, environ)


def raw_target(environ: dict) -> tuple[str, str]:
    """(raw path, raw query) as the client sent them, percent-encoding intact.

    Werkzeug (our server, and moto's) exposes the request line as RAW_URI / REQUEST_URI.
    PATH_INFO is already decoded ('%2F' became '/'), so it is only a lossy fallback.
    """
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if target:
        if "://" in target:  # absolute-form request target (via a proxy)
            parts = urlsplit(target)
            return parts.path or "/", parts.query
        path, _, query = target.partition("?")
        return path or "/", query
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~")
    return path or "/", environ.get("QUERY_STRING", "")


def credential_scope(environ: dict) -> CredentialScope | None:
    """The SigV4 credential scope of a header-signed or query-presigned request, if any."""
    text = environ.get("HTTP_AUTHORIZATION", "")
    found = _CREDENTIAL.search(text)
    if not found:
        query = parse_query(environ.get("QUERY_STRING", ""))
        credential = (query.get("X-Amz-Credential") or [""])[0]
        found = _CREDENTIAL.search("Credential=" + credential) if credential else None
    if not found:
        return None
    return CredentialScope(access_key=found.group(1), region=found.group(3), service=found.group(4))


def default_account_id() -> str:
    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)


def account_for_access_key(access_key: str) -> str:
    """moto's account for this access key when moto runs in this process, else the default account.

    moto maps keys it issued (IAM users, STS sessions) to their accounts and anything else to
    its default account; asking it keeps Chime ARNs in the same account as moto's resources.
    It is only consulted when already imported, so a standalone emulator does not load moto.
    """
    iam_models = sys.modules.get("moto.iam.models")
    if iam_models is not None:
        return iam_models.get_account_id_from(access_key)
    return default_account_id()


def _read_body(environ: dict) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            size = int(length)
        except ValueError:
            size = 0
        return stream.read(size) if size > 0 else b""
    if environ.get("wsgi.input_terminated"):
        return stream.read()
    return b""
