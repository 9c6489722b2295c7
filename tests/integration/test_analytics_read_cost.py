"""Real-time reads cost what the range asks for, not what the table holds.

Roll-up buckets are produced by the same aggregation the stream handler and the
compaction job run, from 10k and from 100k synthetic events (the same live traffic
of 3,000 events in the last 50 minutes, so the time spent writing the larger set
slides none of them out of the window; the rest is history over 30 days), and
written directly as a compacted store looks: minutes of the last three hours, hours
and days that have closed, the compaction state at the last closed hour; then
``GET /real-time?timeRange=1h`` counts the items DynamoDB returned to it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from chalicelib.domain import tiers
from chalicelib.domain.rollups import bucket_sk
from chalicelib.domain.stored import EventFact
from chalicelib.store import dynamo
from chalicelib.store import rollup_codec as codec
from chalicelib.store import rollups as rollup_store
from chalicelib.store.models import Rollup
from tests.integration.analytics_support import auth, get

TYPES = ["page_view", "click", "scroll", "search"]
LIVE_EVENTS = 3000


def _facts(count: int, now: datetime, seed: int) -> list[EventFact]:
    rng = random.Random(seed)
    facts = []
    for i in range(count):
        recent = i < LIVE_EVENTS
        ts = now - timedelta(seconds=rng.uniform(0, 3000) if recent else rng.uniform(3700, 30 * 86400))
        roll = i % 10
        if roll == 0:
            facts.append(EventFact("conversion", "purchase", ts, session_id=f"s{i % 5000}", value=10))
        elif roll in (1, 2):
            endpoint = ["/api/v1/events", "/api/v1/search"][i % 2]
            facts.append(EventFact("performance", endpoint, ts, response_time=rng.uniform(20, 900), status_code=200))
        else:
            facts.append(EventFact("activity", TYPES[i % 4], ts, session_id=f"s{i % 5000}", page_path="/events"))
    return facts


def _store(facts: list[EventFact], now: datetime) -> int:
    current_hour, today = bucket_sk(now, "hour"), bucket_sk(now, "day")
    recent = [f for f in facts if f.ts >= now - timedelta(hours=3)]
    written = 0
    for granularity, subset, closed_before in (
        ("minute", recent, None),
        ("hour", facts, current_hour),
        ("day", facts, today),
    ):
        for sk, delta in tiers.bucket_deltas(subset, granularity=granularity).items():
            if closed_before is None or sk < closed_before:
                packed = tiers.packed_from_delta(delta)
                rollup_store.write_bucket(granularity, sk, packed, 2**31)
                written += codec.encoded_size(codec.encode(packed))
    rollup_store.seal(bucket_sk(now - timedelta(hours=1), "hour"))
    rollup_store.mark_compacted(bucket_sk(now - timedelta(hours=1), "hour"))
    return written


def _items_read(client) -> tuple[int, dict]:
    with dynamo.metered() as reads:
        status, body = get(client, "/real-time?timeRange=1h", auth())
    assert status == 200
    return reads.items, body["data"]


def test_real_time_reads_do_not_grow_with_events_stored(client) -> None:
    now = datetime.now(UTC)
    stored_small = _store(_facts(10_000, now, 1), now)
    small_reads, small = _items_read(client)
    dynamo.reset_client()
    for item in Rollup.scan():  # test-only reset between the two data sets
        item.delete()
    stored_large = _store(_facts(101_000, now, 2), now)
    large_reads, large = _items_read(client)
    assert stored_large > 2 * stored_small, "the larger data set must really hold more roll-up data"
    print(f"roll-up bytes stored {stored_small} vs {stored_large}; items read {small_reads} vs {large_reads}")
    live = sum(r["count"] for r in small["realTimeActivity"])
    assert live == sum(r["count"] for r in large["realTimeActivity"]) == 2100
    assert abs(large_reads - small_reads) <= 0.1 * small_reads, (small_reads, large_reads)
    assert large_reads <= 62 + 5, "1 h = at most 61 packed minute buckets (+ the active-session window)"
