"""JWT hardening: the algorithm is fixed on the server; exp, iss and aud are required."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth.tokens import AUDIENCE, InvalidToken, TokenService

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(secret=SECRET, issuer="gw-test", access_ttl=900, refresh_ttl=86400)


def claims(**overrides):  # type: ignore[no-untyped-def]
    now = int(time.time())
    base = {
        "sub": "usr_1",
        "ws": "ws_1",
        "role": "owner",
        "type": "access",
        "jti": "j1",
        "iat": now,
        "exp": now + 600,
        "iss": "gw-test",
        "aud": AUDIENCE,
    }
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_valid_token_decodes(tokens):
    token = jwt.encode(claims(), SECRET, algorithm="HS256")
    assert tokens.decode(token, expected_type="access")["sub"] == "usr_1"


def test_alg_none_is_rejected(tokens):
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims())}."
    with pytest.raises(InvalidToken):
        tokens.decode(unsigned, expected_type="access")


def test_rs256_token_signed_with_a_public_key_confusion_is_rejected(tokens):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rs_token = jwt.encode(claims(), key, algorithm="RS256")
    with pytest.raises(InvalidToken):
        tokens.decode(rs_token, expected_type="access")
    # Key confusion: an HS256 token whose "secret" is the RSA public key.
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "typ": "JWT"})
    import hashlib
    import hmac

    body = f"{header}.{_b64(claims())}"
    signature = (
        base64.urlsafe_b64encode(hmac.new(public_pem, body.encode(), hashlib.sha256).digest())
        .decode()
        .rstrip("=")
    )
    with pytest.raises(InvalidToken):
        tokens.decode(f"{body}.{signature}", expected_type="access")


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": int(time.time()) - 10},  # expired
        {"exp": None},  # no exp at all
        {"iss": "someone-else"},
        {"aud": "another-service"},
        {"aud": None},
        {"type": "refresh"},  # a refresh token is not an access token
    ],
)
def test_bad_claims_are_rejected(tokens, overrides):
    token = jwt.encode(claims(**overrides), SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        tokens.decode(token, expected_type="access")


def test_a_token_signed_with_another_secret_is_rejected(tokens):
    token = jwt.encode(claims(), "another-secret-that-is-also-long-enough", algorithm="HS256")
    with pytest.raises(InvalidToken):
        tokens.decode(token, expected_type="access")
