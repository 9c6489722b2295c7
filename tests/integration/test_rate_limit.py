"""Rate limiting per hashed IP: fixed window in DynamoDB, a batch is one request, 429 with Retry-After."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.local import LambdaEventConverter

from chalicelib.config import get_settings, settings_from_env
from chalicelib.store import ratelimit
from chalicelib.store.models import RateLimit
from tests.integration.ingest_support import SEED_BODIES, post, scan_raw, seed, stored_events

LIMIT = 3


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(get_settings(), "rate_limit_requests", LIMIT)
    return LIMIT


def from_ip(monkeypatch: pytest.MonkeyPatch, ip: str) -> None:
    """chalice.test builds every event with the local gateway's source IP; point it elsewhere."""
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)


def test_request_over_the_limit_is_refused_with_retry_after(client: Any, small_limit: int) -> None:
    for _ in range(small_limit):
        assert post(client, "performance", seed("performance")).status == 200

    reply = post(client, "performance", seed("performance"))

    assert reply.status == 429
    assert reply.error["code"] == "RATE_LIMITED"
    window = get_settings().rate_limit_window_seconds
    assert 1 <= int(reply.headers["Retry-After"]) <= window
    assert "Retry-After" in reply.headers["Access-Control-Expose-Headers"]
    assert len(stored_events()) == small_limit  # the refused request stored nothing


def test_refused_requests_stay_refused_within_the_window(client: Any, small_limit: int) -> None:
    statuses = [post(client, "activity", SEED_BODIES["activity"]).status for _ in range(small_limit + 3)]
    assert statuses == [200] * small_limit + [429] * 3


def test_a_batch_counts_as_one_request(client: Any, small_limit: int) -> None:
    batch = {"events": [{"type": "performance", **SEED_BODIES["performance"]}] * 5}
    for _ in range(small_limit):
        reply = post(client, "batch", batch)
        assert reply.status == 200
        assert reply.data["accepted"] == 5

    assert post(client, "batch", batch).status == 429
    assert len(stored_events()) == 5 * small_limit


def test_invalid_requests_count_too(client: Any, small_limit: int) -> None:
    """Refusing bad bodies costs work; they may not be a way around the limit."""
    for _ in range(small_limit):
        assert post(client, "activity", b"{").status == 400
    assert post(client, "activity", SEED_BODIES["activity"]).status == 429


def test_different_ips_have_independent_limits(client: Any, small_limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from_ip(monkeypatch, "203.0.113.10")
    for _ in range(small_limit):
        assert post(client, "performance", seed("performance")).status == 200
    assert post(client, "performance", seed("performance")).status == 429

    from_ip(monkeypatch, "203.0.113.11")
    assert post(client, "performance", seed("performance")).status == 200

    from_ip(monkeypatch, "203.0.113.10")
    assert post(client, "performance", seed("performance")).status == 429

    keys = sorted(item["key"]["S"] for item in scan_raw(RateLimit.Meta.table_name))
    assert len(keys) == 2  # one window counter per hashed IP
    assert all("203.0.113" not in key for key in keys)


def test_store_hit_counts_per_subject_and_window(aws: None) -> None:
    window = 900
    start = 1_700_000_100 // window * window
    decisions = [ratelimit.hit("subject-a", start + 10 + i, 2, window) for i in range(3)]
    assert [(d.allowed, d.count) for d in decisions] == [(True, 1), (True, 2), (False, 3)]
    assert decisions[2].retry_after == window - 12
    assert decisions[2].limit == 2

    other = ratelimit.hit("subject-b", start + 20, 2, window)
    assert (other.allowed, other.count) == (True, 1)

    next_window = ratelimit.hit("subject-a", start + window, 2, window)
    assert (next_window.allowed, next_window.count, next_window.retry_after) == (True, 1, window)

    items = {item["key"]["S"]: item for item in scan_raw(RateLimit.Meta.table_name)}
    assert set(items) == {f"subject-a#{start}", f"subject-b#{start}", f"subject-a#{start + window}"}
    # TTL just after the window ends: counters clean themselves up.
    assert int(items[f"subject-a#{start}"]["expires_at"]["N"]) == start + window + 60


def test_limits_are_configurable_per_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_REQUESTS", "7")
    monkeypatch.setenv("RATE_LIMIT_WINDOW_SECONDS", "60")
    settings = settings_from_env()
    assert (settings.rate_limit_requests, settings.rate_limit_window_seconds) == (7, 60)

    monkeypatch.delenv("RATE_LIMIT_REQUESTS")
    monkeypatch.delenv("RATE_LIMIT_WINDOW_SECONDS")
    defaults = settings_from_env()
    assert (defaults.rate_limit_requests, defaults.rate_limit_window_seconds) == (6000, 900)
