"""Key-distribution simulation: the busiest partition's write rate at 10k events/s.

DynamoDB serves at most 1,000 write units per second on one partition key value,
however the table is split, so the raw facts' partition key (``<kind>/<name>#<day>#<shard>``)
must spread a hot name (``page_view`` is a third of all traffic) over enough shards.
This simulation takes one second of traffic at the target rate with the demo data set's
event mix (the same visit generator ``make dev`` loads), keys every event with the real
ingest code (validation, enrichment, ``build_event``, ``serialize_event``), sizes the items
as DynamoDB bills them, and sums write units per partition key value of:

* the events table (base item),
* its ``by_user`` index (ALL projection, keyed by user id) and ``by_session`` (KEYS_ONLY),
* the sessions table (one conditional put per visit per request) and rate-limit counters,
* the hottest roll-up item: today's minute partition, rewritten by every stream invocation
  (packed from this second of traffic, which already holds nearly every name a minute does).

It prints the busiest key of each for shard counts 1…64 and the smallest shard count that
keeps every partition at or below the goal (50 % of 1,000 WCU). No AWS, no moto: pure keys.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.item_sizes import item_size, units  # noqa: E402
from chalicelib.domain import tiers  # noqa: E402
from chalicelib.domain.events import IngestPolicy, RequestFacts  # noqa: E402
from chalicelib.domain.useragent import parse_user_agent  # noqa: E402
from chalicelib.jobs.stream import fact_from_image  # noqa: E402
from chalicelib.services.ingest import validate_items  # noqa: E402
from chalicelib.store import rollup_codec as codec  # noqa: E402
from chalicelib.store.events import serialize_event  # noqa: E402
from local import demo_data  # noqa: E402

PARTITION_WCU = 1000
GOAL = 0.5
SHARD_COUNTS = (1, 2, 4, 8, 16, 32, 64)
EVENTS_PER_REQUEST = 10  # the SDK's default batch size
STREAM_BATCH_WINDOW_S = 60  # the event source mapping's batching window (app.py)
STREAM_BATCH_RECORDS = 1000  # its batch size (app.py): an invocation starts at whichever comes first


def traffic_pool(seed: int) -> list[tuple[str | None, str, dict[str, Any]]]:
    """(user, user agent, body) of one demo day's visits, in the demo set's mix (crawlers left out)."""
    plan = demo_data.generate(now=datetime(2026, 1, 15, 23, 0, tzinfo=UTC), days=1, visits_per_day=2000, seed=seed)
    pool = []
    for batch in plan.batches:
        if parse_user_agent(batch.user_agent).is_bot:
            continue
        pool.extend((batch.user_id, batch.user_agent, body) for body in batch.events)
    return pool


def one_second(rate: int, seed: int) -> list[tuple[str | None, str, str, dict[str, Any]]]:
    """``rate`` events within one second: the pool's mix, each visitor and signed-in user a new one.

    A real user sends a handful of events a second at most; the demo set's heavy users are a
    property of a small site, so user ids and sessions are redrawn from a large population.
    """
    rng = random.Random(seed)
    pool = traffic_pool(seed)
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    events = []
    for _ in range(rate):
        user, agent, body = rng.choice(pool)
        body = dict(body)
        body["messageId"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        body["timestamp"] = (now + timedelta(microseconds=rng.randrange(1_000_000))).isoformat().replace("+00:00", "Z")
        visitor = rng.randrange(rate * 60)  # ≈ one-minute visits: each visitor sends ≈ one event a second
        if "sessionId" in body:
            body["sessionId"] = f"session-{visitor}"
        user_id = f"user-{visitor}" if user else None
        events.append((user_id, agent, f"ip-{visitor}", body))
    return events


def keyed_items(events: list[tuple[str | None, str, str, dict[str, Any]]], shard_count: int) -> list[dict[str, Any]]:
    policy = IngestPolicy(
        shard_count=shard_count,
        retention_days=365,
        max_event_age=timedelta(days=7),
        max_clock_skew=timedelta(minutes=10),
    )
    now = datetime(2026, 1, 15, 12, 0, 1, tzinfo=UTC)
    items = []
    for user_id, agent, ip_hash, body in events:
        facts = RequestFacts(now=now, user_id=user_id, ip_hash=ip_hash, agent=parse_user_agent(agent))
        kind = body["type"]
        payload = {k: v for k, v in body.items() if k != "type"}
        results, stored = validate_items([(kind, payload)], facts, policy, in_batch=False)
        if not stored:
            raise SystemExit(f"demo event refused: {results[0].errors}")
        items.append(serialize_event(stored[0][1]))
    return items


def partition_loads(items: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """Write units per second on each partition key value, per table or index."""
    loads: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        size = units(item_size(item))
        loads["events"][item["pk"]["S"]] += size
        if "user_id" in item:
            loads["events.by_user"][item["user_id"]["S"]] += size
        if "anon_session_id" in item:
            keys = {k: item[k] for k in ("pk", "sk", "anon_session_id")}
            loads["events.by_session"][item["anon_session_id"]["S"]] += units(item_size(keys))
        if "session_id" in item:  # one session put per request: an upper bound per event
            loads["sessions"][item["session_id"]["S"]] += 1 / EVENTS_PER_REQUEST
        if "ip_hash" in item:
            loads["rate_limits"][item["ip_hash"]["S"]] += 1 / EVENTS_PER_REQUEST
    total = sum(loads["events"].values()) + sum(loads["events.by_user"].values())
    stream_shards = max(1, math.ceil(total / PARTITION_WCU))
    invocations = max(stream_shards / STREAM_BATCH_WINDOW_S, len(items) / STREAM_BATCH_RECORDS)
    loads["rollups"]["minute#<today>"] = invocations * 2 * units(minute_item_bytes(items))  # transactional: 2×
    return loads


def minute_item_bytes(items: list[dict[str, Any]]) -> int:
    """Size of the packed minute bucket these raw items fold into (as the stream handler stores it)."""
    facts = [fact for fact in (fact_from_image(item) for item in items) if fact is not None]
    packed = tiers.merge(tiers.packed_from_delta(d) for d in tiers.bucket_deltas(facts, granularity="hour").values())
    return item_size(codec.encode(packed)) + 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=10_000, help="events per second")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    events = one_second(args.rate, args.seed)
    mix = Counter(f"{body['type']}:{body.get('eventType') or body.get('interactionType') or ''}" for *_, body in events)
    print(f"simulated second: {args.rate} events; mix (top 6): {mix.most_common(6)}")
    goal = GOAL * PARTITION_WCU
    header = f"{'shards':>6} {'busiest events pk':>40} {'WCU/s':>7} {'% of 1000':>9}"
    print(f"\n{header}   other tables (busiest key, WCU/s)")
    achieved = None
    for shard_count in SHARD_COUNTS:
        loads = partition_loads(keyed_items(events, shard_count))
        key, wcu = loads["events"].most_common(1)[0]
        others = []
        busiest = wcu
        for table in ("events.by_user", "events.by_session", "sessions", "rate_limits", "rollups"):
            if loads[table]:
                other_wcu = loads[table].most_common(1)[0][1]
                busiest = max(busiest, other_wcu)
                others.append(f"{table} {other_wcu:.1f}")
        print(f"{shard_count:>6} {key[:40]:>40} {wcu:>7.0f} {100 * wcu / PARTITION_WCU:>8.1f}%   {', '.join(others)}")
        if achieved is None and busiest <= goal:
            achieved = (shard_count, wcu)
    if achieved is None:
        print(f"\nSUMMARY no shard count up to {SHARD_COUNTS[-1]} keeps the busiest partition <= {goal:.0f} WCU/s")
        return 1
    shard_count, wcu = achieved
    print(
        f"\nSUMMARY at {args.rate} events/s the busiest partition takes {wcu:.0f} WCU/s "
        f"({100 * wcu / PARTITION_WCU:.1f} % of {PARTITION_WCU}) with SHARD_COUNT={shard_count}; "
        f"goal <= {100 * GOAL:.0f} %"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
