"""Verifies SigV4 query-presigned requests (the `wss://…/connect?X-Amz-…` URLs that the Chime SDK
for JavaScript and botocore's SigV4QueryAuth produce) against the signer's secret key."""
from __future__ import annotations

import datetime
import hashlib
import hmac
from dataclasses import dataclass
from typing import Callable, Mapping
from urllib.parse import quote, unquote

from .credentials import CredentialResolver, Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_EXPIRES_SECONDS = 7 * 24 * 3600
# How far in the future X-Amz-Date may be: AWS tolerates about five minutes of clock skew.
CLOCK_SKEW = datetime.timedelta(minutes=5)
_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_SIGNATURE = "X-Amz-Signature"
_AUTH_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    _SIGNATURE,
)


class PresignError(Exception):
    """Why a presigned request is refused: `status` is the HTTP status to answer with,
    `code` the AWS error code."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VerifiedRequest:
    credentials: Credentials
    region: str
    service: str
    # Every query parameter, percent-decoded (auth parameters included).
    params: Mapping[str, str]
    signed_at: datetime.datetime
    expires_at: datetime.datetime


def verify_presigned(
    method: str,
    target: str,
    headers: Mapping[str, str],
    resolve: CredentialResolver,
    *,
    service: str,
    now: Callable[[], datetime.datetime] | None = None,
) -> VerifiedRequest:
    """Check the signature, scope and validity period of a query-presigned request.

    `target` is the raw request target (path and query exactly as received); `headers` must
    look up case-insensitively. Raises PresignError (403 for anything wrong with the
    authentication, 400 for a malformed query).
    """
    path, _, raw_query = target.partition("?")
    pairs = _split_query(raw_query)
    params: dict[str, str] = {}
    for raw_key, raw_value in pairs:
        key = unquote(raw_key)
        if key in params:
            raise PresignError(400, "BadRequest", f"Query parameter {key} is repeated.")
        params[key] = unquote(raw_value)

    missing = [name for name in _AUTH_PARAMS if not params.get(name)]
    if missing:
        raise PresignError(
            403, "Forbidden", f"Missing authentication parameters: {', '.join(missing)}."
        )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise PresignError(403, "Forbidden", f"X-Amz-Algorithm must be {ALGORITHM}.")

    signed_at = _parse_date(params["X-Amz-Date"])
    expires = _parse_expires(params["X-Amz-Expires"])
    access_key_id, scope_date, region, scope_service = _parse_credential(
        params["X-Amz-Credential"]
    )
    if scope_date != params["X-Amz-Date"][:8]:
        raise PresignError(403, "Forbidden", "Credential scope date does not match X-Amz-Date.")
    if scope_service != service:
        raise PresignError(
            403, "Forbidden", f"Credential should be scoped to correct service: '{service}'."
        )

    current = (now or _utcnow)()
    expires_at = signed_at + datetime.timedelta(seconds=expires)
    if current > expires_at:
        raise PresignError(403, "Forbidden", "Request has expired.")
    if signed_at > current + CLOCK_SKEW:
        raise PresignError(403, "Forbidden", "Request is not yet valid (X-Amz-Date in the future).")

    credentials = resolve(access_key_id)
    if credentials is None:
        raise PresignError(
            403, "UnrecognizedClient", "The security token included in the request is invalid."
        )
    token = params.get("X-Amz-Security-Token")
    if credentials.session_token is not None:
        if token is None or not hmac.compare_digest(token, credentials.session_token):
            raise PresignError(
                403, "UnrecognizedClient", "The security token included in the request is invalid."
            )
        if credentials.expires_at is not None and current > credentials.expires_at:
            raise PresignError(403, "ExpiredToken", "The security token included in the request is expired.")
    elif token is not None:
        raise PresignError(
            403, "UnrecognizedClient", "The security token included in the request is invalid."
        )

    canonical_headers, signed_headers = _canonical_headers(params["X-Amz-SignedHeaders"], headers)
    scope = f"{scope_date}/{region}/{service}/aws4_request"
    key = _signing_key(credentials.secret_access_key, scope_date, region, service)
    unsigned = [(k, v) for k, v in pairs if unquote(k) != _SIGNATURE]
    expected_signature = params[_SIGNATURE].lower()
    # The canonical query string is the one the client signed: the parameters exactly as
    # encoded on the wire (what the JS SDK and botocore both send), or failing that the AWS
    # normal form (decode, then encode everything but unreserved characters) for clients that
    # send some characters unencoded.
    for canonical_query in _canonical_queries(unsigned):
        canonical_request = "\n".join(
            [
                method.upper(),
                _canonical_path(path),
                canonical_query,
                canonical_headers + "\n",
                signed_headers,
                EMPTY_PAYLOAD_SHA256,
            ]
        )
        string_to_sign = "\n".join(
            [
                ALGORITHM,
                params["X-Amz-Date"],
                scope,
                hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
            ]
        )
        signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        if hmac.compare_digest(signature, expected_signature):
            return VerifiedRequest(
                credentials=credentials,
                region=region,
                service=service,
                params=params,
                signed_at=signed_at,
                expires_at=expires_at,
            )
    raise PresignError(
        403,
        "Forbidden",
        "The request signature we calculated does not match the signature you provided.",
    )


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _split_query(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in raw_query.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((key, value))
    return pairs


def _parse_date(value: str) -> datetime.datetime:
    try:
        parsed = datetime.datetime.strptime(value, _DATE_FORMAT)
    except ValueError:
        raise PresignError(403, "Forbidden", "X-Amz-Date must be in the form YYYYMMDD'T'HHMMSS'Z'.") from None
    return parsed.replace(tzinfo=datetime.timezone.utc)


def _parse_expires(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_EXPIRES_SECONDS:
        raise PresignError(
            403, "Forbidden", f"X-Amz-Expires must be a number of seconds from 1 to {MAX_EXPIRES_SECONDS}."
        )
    return int(value)


def _parse_credential(value: str) -> tuple[str, str, str, str]:
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise PresignError(
            403,
            "Forbidden",
            "X-Amz-Credential must be <access key>/<date>/<region>/<service>/aws4_request.",
        )
    return parts[0], parts[1], parts[2], parts[3]


def _canonical_headers(signed: str, headers: Mapping[str, str]) -> tuple[str, str]:
    names = signed.split(";")
    if "host" not in names:
        raise PresignError(403, "Forbidden", "X-Amz-SignedHeaders must include host.")
    if names != sorted(set(names)) or any(name != name.lower() for name in names):
        raise PresignError(
            403, "Forbidden", "X-Amz-SignedHeaders must be lower-case, sorted and unique."
        )
    lines = []
    for name in names:
        value = headers.get(name)
        if value is None:
            raise PresignError(403, "Forbidden", f"Signed header {name} is missing from the request.")
        lines.append(f"{name}:{' '.join(value.split())}")
    return "\n".join(lines), signed


def _canonical_path(path: str) -> str:
    return quote(unquote(path), safe="/~")


def _canonical_queries(pairs: list[tuple[str, str]]) -> list[str]:
    as_sent = "&".join(f"{k}={v}" for k, v in sorted(pairs))
    normalized = "&".join(
        f"{k}={v}"
        for k, v in sorted(
            (quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~")) for k, v in pairs
        )
    )
    return [as_sent] if normalized == as_sent else [as_sent, normalized]


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key
