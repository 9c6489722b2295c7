"""Rate-limit admission shared by every public write route (tracking, batch, experiment assignment).

Two fixed-window counters (docs/rate-limits.md): every request counts against its hashed client
address (a ceiling high enough for many visitors behind one NAT), and a request that carries a
session id also against its visitor (address hash + session id), the limit one visitor's SDK must
never reach. A request counts once (a batch of 500 events is one request), and a refused request
tells when to retry. ``RATE_LIMIT_REQUESTS=100`` restores the seed's 100 / 15 min per address.
"""

from __future__ import annotations

import hashlib

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.config import get_settings
from chalicelib.domain.events import RequestFacts
from chalicelib.observability import metrics
from chalicelib.services.errors import RateLimitExceeded
from chalicelib.store import ratelimit


def admit(facts: RequestFacts, refused: str = "Too many requests", session_id: str | None = None) -> None:
    """Count this request; ``RateLimitExceeded`` (with ``retry_after``) once a window is full."""
    settings = get_settings()
    address = facts.ip_hash or "unknown"
    now, window = facts.now.timestamp(), settings.rate_limit_window_seconds
    decision = ratelimit.hit(address, now, settings.rate_limit_requests, window)
    if decision.allowed and session_id:
        # Hashed: a session id is a user's data and may not sit in the counters (privacy deletion).
        visitor = "v#" + hashlib.sha256(f"{address}#{session_id[:128]}".encode()).hexdigest()[:32]
        decision = ratelimit.hit(visitor, now, settings.rate_limit_visitor_requests, window)
    if not decision.allowed:
        metrics.add_metric(name="RateLimited", unit=MetricUnit.Count, value=1)
        message = refused.format(limit=decision.limit, window=settings.rate_limit_window_seconds)
        raise RateLimitExceeded(message, decision.retry_after)
