"""Rate limits that fit real traffic (issue 14, point 3): per visitor with a per-address ceiling."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.local import LambdaEventConverter

from chalicelib.config import Settings, get_settings
from chalicelib.domain.events import RequestFacts
from chalicelib.domain.useragent import parse_user_agent
from chalicelib.services import admission
from tests.integration.ingest_support import post, seed

# The SDK's defaults (chalicelib/static/bilten.js `cfg`) and the arithmetic of docs/rate-limits.md.
SDK_FLUSH_INTERVAL_S = 5
SDK_BATCH_SIZE = 10
BUSY_EVENTS_PER_SECOND = 2


def busiest_visitor_requests(window_s: int) -> int:
    """Timer flushes plus size flushes of a visitor sending BUSY_EVENTS_PER_SECOND all window long."""
    return window_s // SDK_FLUSH_INTERVAL_S + window_s * BUSY_EVENTS_PER_SECOND // SDK_BATCH_SIZE


def test_the_sdk_defaults_match_the_documented_arithmetic() -> None:
    from chalicelib.api.web import STATIC_DIR

    sdk = (STATIC_DIR / "bilten.js").read_text(encoding="utf-8")
    assert f"batchSize: {SDK_BATCH_SIZE}, flushInterval: {SDK_FLUSH_INTERVAL_S}e3" in sdk
    defaults = Settings()
    assert busiest_visitor_requests(defaults.rate_limit_window_seconds) == 360
    assert defaults.rate_limit_visitor_requests >= 360 * 1.5  # margin for retries and a second tab
    assert defaults.rate_limit_requests >= 10 * defaults.rate_limit_visitor_requests  # ≥ 10 busy visitors per NAT


def test_one_busy_visitor_at_sdk_defaults_is_never_limited(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    for name in ("rate_limit_requests", "rate_limit_visitor_requests", "rate_limit_window_seconds"):
        monkeypatch.setattr(get_settings(), name, getattr(defaults, name))
    window = defaults.rate_limit_window_seconds
    start = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)  # a window boundary
    facts = RequestFacts(now=start, ip_hash="nat-1", user_id=None, agent=parse_user_agent("Mozilla/5.0"))
    for _ in range(busiest_visitor_requests(window)):
        admission.admit(facts, session_id="busy-session")  # raises RateLimitExceeded if limited


def from_ip(monkeypatch: pytest.MonkeyPatch, ip: str) -> None:
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)


def test_visitors_behind_one_address_do_not_share_one_small_bucket(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "rate_limit_visitor_requests", 3)
    monkeypatch.setattr(get_settings(), "rate_limit_requests", 11)
    from_ip(monkeypatch, "198.51.100.7")
    for visitor in ("s-a", "s-b", "s-c"):
        statuses = [post(client, "activity", seed("activity", sessionId=visitor)).status for _ in range(3)]
        assert statuses == [200, 200, 200], visitor  # three visitors, nine requests: nobody limited
    assert post(client, "activity", seed("activity", sessionId="s-a")).status == 429  # s-a's own bucket (10th)
    assert post(client, "activity", seed("activity", sessionId="s-d")).status == 200  # 11th at the address
    assert post(client, "activity", seed("activity", sessionId="s-e")).status == 429  # the address ceiling
    from_ip(monkeypatch, "198.51.100.8")
    assert post(client, "activity", seed("activity", sessionId="s-a")).status == 200


def test_a_batch_is_limited_by_its_visitor(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "rate_limit_visitor_requests", 2)
    from_ip(monkeypatch, "198.51.100.9")
    batch = {"events": [{"type": "activity", **seed("activity", sessionId="s-batch")}]}
    assert [post(client, "batch", batch).status for _ in range(3)] == [200, 200, 429]


def test_the_seed_limit_is_a_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import settings_from_env

    monkeypatch.setenv("RATE_LIMIT_REQUESTS", "100")
    monkeypatch.setenv("RATE_LIMIT_VISITOR_REQUESTS", "100")
    settings = settings_from_env()
    assert (settings.rate_limit_requests, settings.rate_limit_visitor_requests) == (100, 100)
    assert settings.rate_limit_window_seconds == 900
