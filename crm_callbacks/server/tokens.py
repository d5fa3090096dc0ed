"""Session tokens: HS256 JSON Web Tokens made with the standard library only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

HEADER = {"alg": "HS256", "typ": "JWT"}


class TokenError(ValueError):
    """The token is malformed, forged or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(secret: bytes, claims: dict[str, Any], *, lifetime_s: int = 8 * 3600) -> str:
    """A signed token carrying `claims`, a unique ``jti`` and an expiry."""
    now = int(time.time())
    body = {**claims, "iat": now, "exp": now + lifetime_s, "jti": secrets.token_hex(8)}
    signing_input = f"{_b64(json.dumps(HEADER).encode())}.{_b64(json.dumps(body).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def verify(secret: bytes, token: str) -> dict[str, Any]:
    """The claims of a genuine, unexpired token; TokenError otherwise."""
    try:
        header, body, signature = token.split(".")
        expected = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise TokenError("bad signature")
        if json.loads(_unb64(header)) != HEADER:
            raise TokenError("unexpected token header")
        claims = json.loads(_unb64(body))
    except (ValueError, TypeError) as exc:
        raise TokenError(f"malformed token: {exc}") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise TokenError("token without expiry")
    if claims["exp"] < time.time():
        raise TokenError("token expired")
    return claims
