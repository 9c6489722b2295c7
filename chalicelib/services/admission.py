"""Rate-limit admission shared by every public write route (tracking, batch, experiment assignment).

One fixed-window counter per hashed client IP: a request counts once (a batch of
500 events is one request), and a refused request tells when to retry.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.config import get_settings
from chalicelib.domain.events import RequestFacts
from chalicelib.observability import metrics
from chalicelib.services.errors import RateLimitExceeded
from chalicelib.store import ratelimit


def admit(facts: RequestFacts, refused: str = "Too many requests") -> None:
    """Count this request; ``RateLimitExceeded`` (with ``retry_after``) once the window is full."""
    settings = get_settings()
    decision = ratelimit.hit(
        facts.ip_hash or "unknown",
        facts.now.timestamp(),
        settings.rate_limit_requests,
        settings.rate_limit_window_seconds,
    )
    if not decision.allowed:
        metrics.add_metric(name="RateLimited", unit=MetricUnit.Count, value=1)
        message = refused.format(limit=decision.limit, window=settings.rate_limit_window_seconds)
        raise RateLimitExceeded(message, decision.retry_after)
