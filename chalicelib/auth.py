"""JWTs: minting (dev tokens, tests) and verification (authorizer, ingest identity).

Only the configured algorithm is accepted, so ``alg: none`` and algorithm
confusion are rejected by construction; ``exp`` and ``sub`` are required.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from chalicelib.config import get_settings

ROLES = ("admin", "analyst", "user")
READ_ROLES = frozenset({"admin", "analyst"})


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: str


class InvalidToken(Exception):
    pass


def mint_token(role: str, user_id: str, ttl_seconds: int = 12 * 3600) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    settings = get_settings()
    now = int(time.time())
    claims = {"sub": user_id, "role": role, "iat": now, "exp": now + ttl_seconds, "iss": settings.jwt_issuer}
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)


def verify_token(token: str) -> Principal:
    settings = get_settings()
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[settings.jwt_algorithm],
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "role"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    role, user_id = claims.get("role"), claims.get("sub")
    if role not in ROLES or not isinstance(user_id, str) or not 0 < len(user_id) <= 128:
        raise InvalidToken("unknown role or subject")
    return Principal(user_id=user_id, role=role)


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
