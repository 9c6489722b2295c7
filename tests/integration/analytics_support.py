"""Helpers of the analytics tests: post events like the SDK, tokens of every kind."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt

from chalicelib.auth import mint_token
from chalicelib.config import get_settings

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
PREFIX = "/api/v1/tracking"


def post_batch(client: Any, events: list[dict], token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", "User-Agent": BROWSER}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    for start in range(0, len(events), 500):
        response = client.http.post(
            f"{PREFIX}/batch", body=json.dumps({"events": events[start : start + 500]}), headers=headers
        )
        assert response.status_code == 200, response.body
    return json.loads(response.body)


def auth(role: str = "analyst", user_id: str = "analyst-1") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(role, user_id)}"}


def bad_tokens() -> dict[str, dict[str, str]]:
    """Every way a token must be refused with 401."""
    settings = get_settings()
    now = int(time.time())
    claims = {"sub": "x", "role": "admin", "iat": now, "exp": now + 600, "iss": settings.jwt_issuer}
    expired = {**claims, "iat": now - 7200, "exp": now - 3600}
    return {
        "missing": {},
        "expired": {"Authorization": "Bearer " + jwt.encode(expired, settings.jwt_secret, algorithm="HS256")},
        "forged": {"Authorization": "Bearer " + jwt.encode(claims, "another-secret-0123456789abcdef012345", "HS256")},
        "alg_none": {"Authorization": "Bearer " + jwt.encode(claims, None, algorithm="none")},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
    }


def get(client: Any, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    response = client.http.get(f"{PREFIX}{path}", headers=headers or {})
    return response.status_code, json.loads(response.body) if response.body else {}


def post(client: Any, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    response = client.http.post(
        f"{PREFIX}{path}", body=json.dumps(body), headers={"Content-Type": "application/json", **(headers or {})}
    )
    return response.status_code, json.loads(response.body) if response.body else {}
