"""Real-time reads cost what the range asks for, not what the table holds.

Roll-up items are produced by the same aggregation the stream handler runs, from
10k and from 100k synthetic events (the same live traffic of 3,000 events in the
last 50 minutes, so the time spent writing the larger set slides none of them out
of the window; the rest is history over 30 days), and written directly; then
``GET /real-time?timeRange=1h`` counts the items DynamoDB returned to it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from chalicelib.domain import sketches
from chalicelib.domain.rollups import RollupFact, aggregate
from chalicelib.store import dynamo, queries
from chalicelib.store.models import Rollup
from tests.integration.analytics_support import auth, get

TYPES = ["page_view", "click", "scroll", "search"]
LIVE_EVENTS = 3000


def _facts(count: int, now: datetime, seed: int) -> list[RollupFact]:
    rng = random.Random(seed)
    facts = []
    for i in range(count):
        recent = i < LIVE_EVENTS
        ts = now - timedelta(seconds=rng.uniform(0, 3000) if recent else rng.uniform(3700, 30 * 86400))
        roll = i % 10
        if roll == 0:
            facts.append(RollupFact("conversion", "purchase", ts, session_id=f"s{i % 5000}", value=10))
        elif roll in (1, 2):
            endpoint = ["/api/v1/events", "/api/v1/search"][i % 2]
            facts.append(RollupFact("performance", endpoint, ts, response_time=rng.uniform(20, 900), status_code=200))
        else:
            facts.append(RollupFact("activity", TYPES[i % 4], ts, session_id=f"s{i % 5000}", page_path="/events"))
    return facts


def _store(facts: list[RollupFact], now: datetime) -> int:
    requests = []
    for (pk, sk), delta in aggregate(facts, 365, now=now).items():
        item = {"pk": {"S": pk}, "sk": {"S": sk}, "expires_at": {"N": str(delta.expires_at)}}
        for name, value in delta.counters.items():
            item[name] = {"N": repr(float(value))}
        if delta.sketch == "hll":
            item["hll"] = {"B": sketches.hll_blob(sketches.hll_merge([], delta.hll_values))}
        elif delta.sketch == "kll":
            item["kll"] = {"B": sketches.kll_blob(sketches.kll_merge([], delta.kll_values))}
        requests.append({"PutRequest": {"Item": item}})
    dynamo.batch_write({Rollup.Meta.table_name: requests})
    return len(requests)


def _items_read(client) -> tuple[int, dict]:
    with queries.metered() as reads:
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
    assert stored_large > 2 * stored_small, "the larger data set must really hold more roll-up items"
    print(f"roll-up items stored {stored_small} vs {stored_large}; items read {small_reads} vs {large_reads}")
    live = sum(r["count"] for r in small["realTimeActivity"])
    assert live == sum(r["count"] for r in large["realTimeActivity"]) == 2100
    assert abs(large_reads - small_reads) <= 0.1 * small_reads, (small_reads, large_reads)
    assert large_reads <= 5 * 62, "1 h = at most 61 minute buckets per series read"
