"""Visitor hashing: raw IP addresses never reach storage.

A keyed hash with a salt that rotates every UTC day (Plausible's visitor hash):
the same visitor is recognisable within a day (rate limits, unique counts) and
unlinkable across days, and without the server key no hash can be reversed by
enumerating the IPv4 space.
"""

from __future__ import annotations

import hashlib
import hmac


def daily_salt(secret: str, day: str) -> bytes:
    return hmac.new(secret.encode(), f"salt|{day}".encode(), hashlib.sha256).digest()


def visitor_hash(secret: str, day: str, ip: str, user_agent: str = "") -> str:
    """128-bit hex digest of (day salt, IP, user agent)."""
    salt = daily_salt(secret, day)
    return hmac.new(salt, f"{ip}|{user_agent}".encode(), hashlib.sha256).hexdigest()[:32]


def ip_hash(secret: str, day: str, ip: str) -> str:
    """Per-IP hash (no user agent), the key for rate limiting."""
    return visitor_hash(secret, day, ip, "")
