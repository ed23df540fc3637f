"""Cognito ID-token verification (signature by JWKS, exp, iss, aud, token_use) into a Principal."""
from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .errors import Unauthorized, Unavailable

JwksFetcher = Callable[[str], dict[str, Any]]

# An unknown kid triggers a refetch, but not more often than this, so a flood of forged
# tokens cannot turn into a flood of JWKS requests.
_MIN_REFETCH_SECONDS = 30.0


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: str | None
    name: str
    email: str
    groups: tuple[str, ...] = ()
    username: str = ""

    @property
    def is_doctor(self) -> bool:
        return self.role == "doctor"

    @property
    def is_patient(self) -> bool:
        return self.role == "patient"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _fetch_jwks(url: str) -> dict[str, Any]:
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise Unavailable("The token key set URL is not allowed.")
    with urllib.request.urlopen(url, timeout=5) as response:  # nosec B310: scheme checked above
        return json.loads(response.read().decode("utf-8"))


class TokenVerifier:
    """Verifies Cognito ID tokens; the JWKS is fetched once and refetched on an unknown kid."""

    def __init__(self, jwks_url: str, issuer: str, audience: str, leeway_seconds: int = 30,
                 fetch: JwksFetcher = _fetch_jwks, clock: Callable[[], float] = time.time):
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway_seconds
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def _load_keys(self) -> None:
        import jwt

        try:
            document = self._fetch(self.jwks_url)
            keyset = jwt.PyJWKSet.from_dict(document)
        except Unavailable:
            raise
        except Exception as exc:  # network or malformed key set: the dependency failed
            raise Unavailable("The token signing keys could not be loaded.") from exc
        self._keys = {key.key_id: key for key in keyset.keys if key.key_id}
        self._fetched_at = self._clock()

    def _key_for(self, kid: str) -> Any:
        with self._lock:
            if kid in self._keys:
                return self._keys[kid]
            stale = self._fetched_at is None or self._clock() - self._fetched_at >= _MIN_REFETCH_SECONDS
            if stale:
                self._load_keys()
            key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("The token is not valid.")
        return key

    def verify(self, token: str) -> Principal:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("The token is malformed.") from exc
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str):
            raise Unauthorized("The token is not valid.")
        key = self._key_for(kid)
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("The token is not valid.") from exc
        if claims.get("token_use") != "id":
            raise Unauthorized("An ID token is required.")
        return principal_from_claims(claims)


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        groups = [groups]
    role = next((g for g in ("admin", "doctor", "patient") if g in groups), None)
    return Principal(
        user_id=str(claims["sub"]),
        role=role,
        name=str(claims.get("name") or ""),
        email=str(claims.get("email") or ""),
        groups=tuple(str(g) for g in groups),
        username=str(claims.get("cognito:username") or claims["sub"]),
    )


def bearer_token(headers: Mapping[str, str]) -> str:
    value = None
    for key, candidate in headers.items():
        if key.lower() == "authorization":
            value = candidate
            break
    if not value:
        raise Unauthorized("Authentication is required.")
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthorized("The Authorization header must be 'Bearer <id token>'.")
    return token


_verifier: TokenVerifier | None = None
_verifier_lock = threading.Lock()


def default_verifier() -> TokenVerifier:
    """The verifier for this deployment's user pool, built from settings on first use."""
    global _verifier
    if _verifier is None:
        from .config import get_settings

        settings = get_settings()
        with _verifier_lock:
            if _verifier is None:
                _verifier = TokenVerifier(
                    jwks_url=settings.jwks_url,
                    issuer=settings.token_issuer,
                    audience=settings.require("user_pool_client_id"),
                    leeway_seconds=settings.token_leeway_seconds,
                )
    return _verifier


def set_default_verifier(verifier: TokenVerifier | None) -> None:
    global _verifier
    _verifier = verifier
