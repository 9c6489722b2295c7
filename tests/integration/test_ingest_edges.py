"""Edge rules of the ingest path: crawler batches and the day catalog under many long names."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.clock import utc_now
from chalicelib.store import catalog, counters
from tests.integration.ingest_support import page_view, post, recent, seed, stored_events

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def test_a_crawler_batch_keeps_server_telemetry_and_drops_browser_events(client: Any) -> None:
    day = utc_now().strftime("%Y-%m-%d")
    before = counters.read_daily_counter("bots_dropped", day)
    events = [
        {"type": "activity", **page_view("s-bot", "https://bilten.com/events", recent(5))},
        {"type": "performance", **seed("performance")},
        {"type": "heatmap", **seed("heatmap")},
    ]
    reply = post(client, "batch", {"events": events}, headers={"User-Agent": GOOGLEBOT})

    assert reply.status == 200, reply.body
    data = reply.body["data"]
    assert (data["accepted"], data["dropped"]) == (1, 2)
    assert [r["status"] for r in data["results"]] == ["dropped", "accepted", "dropped"]
    assert [e.kind for e in stored_events()] == ["performance"]
    assert counters.read_daily_counter("bots_dropped", day) == before + 2


def test_a_crawler_performance_sample_is_stored_single_or_batched(client: Any) -> None:
    single = post(client, "performance", seed("performance"), headers={"User-Agent": GOOGLEBOT})
    batched = post(
        client, "batch", {"events": [{"type": "performance", **seed("performance")}]}, headers={"User-Agent": GOOGLEBOT}
    )
    assert (single.status, batched.status) == (200, 200)
    assert len(stored_events()) == 2


def test_the_day_catalog_holds_many_long_names(aws: None) -> None:
    """Client-chosen names (endpoints up to 512 chars) never build one oversized item."""
    day = "2026-01-15"
    names = {f"performance//api/v1/{i:04d}/" + "x" * 480 for i in range(1200)}
    catalog.forget()
    catalog.note_names({day: names}, retention_days=365)
    catalog.forget()
    assert len(catalog.names_on(day, "performance")) == 1200
    assert catalog.note_names({day: set(list(names)[:10])}, retention_days=365) > 0  # forgotten → rewritten, idempotent
    assert len(catalog.names_on(day)) == 1200
