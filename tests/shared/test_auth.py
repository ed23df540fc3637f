"""Token verification: every way an ID token can be wrong is refused, a good one yields a principal."""
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from telehealth_shared.auth import TokenVerifier, bearer_token
from telehealth_shared.errors import Unauthorized, Unavailable

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
AUDIENCE = "client123"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY, OTHER_KEY = _key(), _key()


def _jwk(private, kid):
    public = jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return {**public, "kid": kid, "alg": "RS256", "use": "sig"}


def _token(private=KEY, kid="k1", **overrides):
    now = int(time.time())
    claims = {"sub": "user-1", "iss": ISSUER, "aud": AUDIENCE, "token_use": "id", "exp": now + 600,
              "iat": now, "email": "a@example.com", "name": "Ada", "cognito:groups": ["doctor"],
              "cognito:username": "user-1"}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})


class Fetcher:
    def __init__(self, *keys):
        self.keys = list(keys)
        self.calls = 0

    def __call__(self, url):
        self.calls += 1
        return {"keys": self.keys}


def _verifier(fetcher, clock=time.time):
    return TokenVerifier("https://example/jwks.json", ISSUER, AUDIENCE, leeway_seconds=30, fetch=fetcher, clock=clock)


def test_valid_id_token_yields_principal_and_keys_are_cached():
    fetcher = Fetcher(_jwk(KEY, "k1"))
    verifier = _verifier(fetcher)
    principal = verifier.verify(_token())
    assert (principal.user_id, principal.role, principal.email, principal.username) == ("user-1", "doctor", "a@example.com", "user-1")
    verifier.verify(_token())
    assert fetcher.calls == 1


@pytest.mark.parametrize("token", [
    "not-a-jwt",
    "a.b.c",
    _token(exp=int(time.time()) - 120),              # expired beyond the leeway
    _token(private=OTHER_KEY),                         # forged: signed by another key, same kid
    _token(aud="other-client"),                        # another app client / pool
    _token(iss="https://cognito-idp.us-east-1.amazonaws.com/other"),
    _token(token_use="access"),                        # access token instead of ID token
    _token(token_use=None),
    _token(kid="unknown"),
])
def test_bad_tokens_are_unauthorized(token):
    with pytest.raises(Unauthorized):
        _verifier(Fetcher(_jwk(KEY, "k1"))).verify(token)


def test_alg_none_and_hs256_are_refused():
    unsigned = jwt.encode({"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "token_use": "id", "exp": int(time.time()) + 60},
                          None, algorithm="none", headers={"kid": "k1"})
    hmac = jwt.encode({"sub": "x"}, "secret-long-enough-for-hmac-sha256-okay", algorithm="HS256", headers={"kid": "k1"})
    for token in (unsigned, hmac):
        with pytest.raises(Unauthorized):
            _verifier(Fetcher(_jwk(KEY, "k1"))).verify(token)


def test_small_clock_skew_is_allowed():
    assert _verifier(Fetcher(_jwk(KEY, "k1"))).verify(_token(exp=int(time.time()) - 5)).user_id == "user-1"


def test_unknown_kid_refetches_once_then_is_rate_limited():
    fetcher = Fetcher(_jwk(KEY, "k1"))
    now = [1000.0]
    verifier = _verifier(fetcher, clock=lambda: now[0])
    verifier.verify(_token())
    fetcher.keys.append(_jwk(OTHER_KEY, "k2"))  # key rotation
    now[0] += 31
    assert verifier.verify(_token(private=OTHER_KEY, kid="k2")).user_id == "user-1"
    assert fetcher.calls == 2
    for _ in range(5):
        with pytest.raises(Unauthorized):
            verifier.verify(_token(kid="k3"))
    assert fetcher.calls == 2


def test_unreachable_key_set_is_unavailable_not_unauthorized():
    def broken(url):
        raise OSError("connection refused")

    with pytest.raises(Unavailable):
        _verifier(broken).verify(_token())


def test_principal_without_role_group():
    principal = _verifier(Fetcher(_jwk(KEY, "k1"))).verify(_token(**{"cognito:groups": None}))
    assert principal.role is None


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "Basic abc"},
                                     {"authorization": "Bearer"}, {"Authorization": "Bearer a b"}])
def test_bearer_header_must_be_well_formed(headers):
    with pytest.raises(Unauthorized):
        bearer_token(headers)


def test_bearer_header_is_case_insensitive():
    assert bearer_token({"authorization": "bearer tok"}) == "tok"
