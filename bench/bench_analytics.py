"""Analytics bench: write units per ingested event (all-in) and the cost of the main reads.

Starts its own moto server on a free port, creates the tables, ingests a
demo-like data set through the real routes (``POST /batch``, in-process Chalice
test client against the moto server), feeds the events stream to the real
roll-up handler, then runs ``GET /real-time?timeRange=1h`` and a 4-step 30-day
funnel.

Write units are modelled from what the code actually sends: every write request
is intercepted and its item sized the way DynamoDB bills it (1 KB units, rounded
up per item; transactional writes count twice; an update is sized by reading the
item back after it, which for growing items is the larger of before and after).
Index writes are derived from the base items: ``by_user`` projects ALL, so a
signed-in event costs its full size again; ``by_session`` projects KEYS_ONLY.

Two roll-up figures: the *backfill* (the 30-day demo set loaded in minutes, so
every stream batch spans 30 days of buckets — the worst case) and *live* traffic
(the same kind of visits arriving over a quarter of an hour, each stream
invocation receiving what arrived in one 60 s batching window, as the deployed
event source does), which is what production sees. Both include the compaction
job's writes (hours and days built from the minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.item_sizes import item_size, units  # noqa: E402
from local.stack import LocalStack, free_port  # noqa: E402

# ---- write meter -------------------------------------------------------------------------------


ROLLUP_CATEGORIES = {
    "minute": "roll-ups: minute buckets (stream)",
    "hour": "roll-ups: hour buckets (compaction)",
    "day": "roll-ups: day buckets (compaction)",
    "dirty": "roll-ups: late-hour marks",
    "stream": "roll-ups: chunk markers + state checks",
    "compaction": "roll-ups: compaction state, lease",
}


def rollup_category(pk: str) -> str:
    """Which part of the roll-up pipeline an item of the roll-up table belongs to."""
    return ROLLUP_CATEGORIES.get(pk.split("#", 1)[0], "counters (bots, indexes)")


class WriteMeter:
    """Wraps the hot-path DynamoDB client; books write units per category."""

    def __init__(self, real: Any, tables: dict[str, str]) -> None:
        self.real = real
        self.tables = tables  # table name → logical name
        self.units: dict[str, float] = defaultdict(float)
        self.requests: dict[str, int] = defaultdict(int)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def book(self, category: str, wcu: float) -> None:
        self.units[category] += wcu
        self.requests[category] += 1

    def _size_after(self, table: str, key: dict[str, Any]) -> int:
        item = self.real.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return item_size(item) if item else 1

    def _raw(self, item: dict[str, Any]) -> None:
        self.book("base item", units(item_size(item)))
        if "user_id" in item:
            self.book("index by_user (ALL)", units(item_size(item)))
        if "anon_session_id" in item:
            keys = {k: item[k] for k in ("pk", "sk", "anon_session_id")}
            self.book("index by_session (KEYS)", units(item_size(keys)))

    def _put(self, table: str, item: dict[str, Any], factor: int = 1) -> None:
        logical = self.tables.get(table, table)
        if logical == "events":
            self._raw(item)
        elif logical == "sessions":
            self.book("sessions", factor * units(item_size(item)))
            if "user_id" in item:
                self.book("sessions index by_user", units(item_size(item)))
        elif logical == "rollups":
            self.book(rollup_category(item["pk"]["S"]), factor * units(item_size(item)))
        else:
            self.book(logical, factor * units(item_size(item)))

    def batch_write_item(self, **kwargs: Any) -> Any:
        response = self.real.batch_write_item(**kwargs)
        for table, requests in kwargs["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    self._put(table, request["PutRequest"]["Item"])
        return response

    def put_item(self, **kwargs: Any) -> Any:
        response = self.real.put_item(**kwargs)
        self._put(kwargs["TableName"], kwargs["Item"])
        return response

    def update_item(self, **kwargs: Any) -> Any:
        response = self.real.update_item(**kwargs)
        table, key = kwargs["TableName"], kwargs["Key"]
        logical = self.tables.get(table, table)
        if logical == "rollups":
            pk = key["pk"]["S"]
            logical = "catalog" if pk.startswith("catalog#") else rollup_category(pk)
        self.book(logical, units(self._size_after(table, key)))
        return response

    def transact_write_items(self, **kwargs: Any) -> Any:
        response = self.real.transact_write_items(**kwargs)
        for action in kwargs["TransactItems"]:
            if "Put" in action:
                self._put(action["Put"]["TableName"], action["Put"]["Item"], factor=2)
            elif "Update" in action:
                update = action["Update"]
                size = self._size_after(update["TableName"], update["Key"])
                self.book(rollup_category(update["Key"]["pk"]["S"]), 2 * units(size))
            elif "ConditionCheck" in action:  # billed like a transactional write of the item checked
                check = action["ConditionCheck"]
                self.book(ROLLUP_CATEGORIES["stream"], 2 * units(self._size_after(check["TableName"], check["Key"])))
        return response

    def delete_item(self, **kwargs: Any) -> Any:
        size = self._size_after(kwargs["TableName"], kwargs["Key"])
        response = self.real.delete_item(**kwargs)
        self.book(rollup_category(kwargs["Key"]["pk"]["S"]), units(size))
        return response

    def snapshot(self) -> dict[str, float]:
        return dict(self.units)


# ---- data --------------------------------------------------------------------------------------


def live_batches(plan_batches: list[Any], now: datetime, spread_minutes: int, seed: int) -> list[tuple[datetime, Any]]:
    """Visits re-timed to arrive over the last ``spread_minutes`` (fresh message ids), with their
    arrival time, in arrival order."""
    rng = random.Random(seed)
    out = []
    for batch in plan_batches:
        if not batch.events:
            continue
        times = [datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")) for e in batch.events]
        span = max(times) - min(times)
        end = now - timedelta(seconds=rng.uniform(0, spread_minutes * 60))
        shift = end - max(times)
        if span > timedelta(minutes=spread_minutes):
            continue
        events = []
        for event, moment in zip(batch.events, times, strict=True):
            moved = moment + shift
            stamp = moved.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moved.microsecond // 1000:03d}Z"
            events.append({**event, "timestamp": stamp, "messageId": str(uuid.uuid4())})
        out.append((end, replace(batch, events=events)))
    return sorted(out, key=lambda pair: pair[0])


def arrival_windows(visits: list[tuple[datetime, Any]], seconds: int) -> list[list[Any]]:
    """What one Lambda invocation of the stream function receives: everything that arrived in
    one batching window (the event source's ``MaximumBatchingWindowInSeconds``)."""
    windows: dict[int, list[Any]] = {}
    for arrival, batch in visits:
        windows.setdefault(int(arrival.timestamp()) // seconds, []).append(batch)
    return [windows[key] for key in sorted(windows)]


def ingest(client: Any, batches: list[Any], tokens: dict[str, str], mint: Any) -> tuple[int, int]:
    accepted = requests = 0
    for batch in batches:
        headers = {"Content-Type": "application/json", "User-Agent": batch.user_agent}
        if batch.user_id:
            token = tokens.setdefault(batch.user_id, mint("user", batch.user_id, 6 * 3600))
            headers["Authorization"] = f"Bearer {token}"
        response = client.http.post(
            "/api/v1/tracking/batch", body=json.dumps({"events": batch.events}), headers=headers
        )
        requests += 1
        if response.status_code == 200:
            accepted += json.loads(response.body)["data"]["accepted"]
    return accepted, requests


def per_event(before: dict[str, float], after: dict[str, float], events: int) -> dict[str, float]:
    keys = set(before) | set(after)
    return {k: (after.get(k, 0) - before.get(k, 0)) / max(events, 1) for k in keys}


def print_units(title: str, figures: dict[str, float]) -> tuple[float, float]:
    print(f"\n{title}")
    print(f"  {'category':34} {'write units / event':>20}")
    total = rollups = 0.0
    for name in sorted(figures, key=lambda k: (k.startswith("roll-up"), k)):
        if figures[name] <= 0:
            continue
        print(f"  {name:34} {figures[name]:>20.3f}")
        total += figures[name]
        if name.startswith("roll-up"):
            rollups += figures[name]
    print(f"  {'ROLL-UPS (all of the above)':34} {rollups:>20.3f}   goal <= 0.1")
    print(f"  {'ALL-IN':34} {total:>20.3f}   goal <= 2.5")
    return rollups, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--visits-per-day", type=int, default=30)
    parser.add_argument("--live-visits", type=int, default=700, help="SDK flushes (visits) in the live run")
    parser.add_argument("--stream-batch", type=int, default=1000, help="records per stream invocation (backfill)")
    parser.add_argument("--window", type=int, default=60, help="stream batching window in seconds (live)")
    args = parser.parse_args(argv)

    extra = {
        "MAX_EVENT_AGE_DAYS": str(args.days + 2),
        "RATE_LIMIT_REQUESTS": "10000000",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    stack = LocalStack(moto_port=free_port(), api_port=free_port(), stage="bench", background=(), extra_env=extra)
    os.environ.update(stack.env)
    stack.start_moto()
    try:
        stack.bootstrap()
        return run(args)
    finally:
        stack.stop()


def run(args: argparse.Namespace) -> int:
    import boto3
    from chalice.test import Client

    from app import app
    from chalicelib.auth import mint_token
    from chalicelib.jobs import compaction
    from chalicelib.jobs.stream import handle_stream_batch
    from chalicelib.store import dynamo
    from chalicelib.store.models import ALL_MODELS, RawEvent
    from local import demo_data
    from local.stream_pump import StreamReader

    settings_tables = {
        model.Meta.table_name: model.Meta.table_name.removeprefix("bilten-bench-") for model in ALL_MODELS
    }
    real = dynamo.client()
    meter = WriteMeter(real, settings_tables)
    dynamo.client = lambda: meter  # type: ignore[assignment]
    endpoint = os.environ["DYNAMODB_ENDPOINT"]
    reader = StreamReader(
        boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint),
        boto3.client("dynamodbstreams", region_name="us-east-1", endpoint_url=endpoint),
        RawEvent.Meta.table_name,
        batch_size=args.stream_batch,
    )
    now = datetime.now(UTC)
    tokens: dict[str, str] = {}
    with Client(app) as client:
        plan = demo_data.generate(now=now, days=args.days, visits_per_day=args.visits_per_day)
        print(f"demo data: {plan.event_count} events in {len(plan.batches)} requests over {args.days} days")
        start = meter.snapshot()
        started = time.perf_counter()
        backfill_events, backfill_requests = ingest(client, plan.batches, tokens, mint_token)
        ingest_seconds = time.perf_counter() - started
        started = time.perf_counter()
        reader.drain(handle_stream_batch)
        compaction.run(datetime.now(UTC))
        stream_seconds = time.perf_counter() - started
        backfill = per_event(start, meter.snapshot(), backfill_events)
        print(f"ingested {backfill_events} events in {ingest_seconds:.1f} s; stream handled in {stream_seconds:.1f} s")

        live_plan = demo_data.generate(now=now, days=args.days, visits_per_day=args.visits_per_day, seed=99)
        visits = live_batches(live_plan.batches, now, spread_minutes=15, seed=5)[: args.live_visits]
        span = max(1.0, (visits[-1][0] - visits[0][0]).total_seconds())
        start = meter.snapshot()
        live_events = live_requests = invocations = 0
        reader.batch_size = 10_000
        for window in arrival_windows(visits, args.window):
            accepted, requests = ingest(client, window, tokens, mint_token)
            live_events, live_requests = live_events + accepted, live_requests + requests
            reader.drain(handle_stream_batch)
            invocations += 1
        # the hour(s) the live traffic fell in close: the compaction job builds them once
        compaction.run(datetime.now(UTC) + timedelta(hours=1) + compaction.GRACE)
        live = per_event(start, meter.snapshot(), live_events)

        rollups_backfill, total_backfill = print_units(
            f"BACKFILL: {backfill_events} events, {backfill_requests} requests "
            f"({backfill_events / backfill_requests:.1f} events/request), stream batches of {args.stream_batch}",
            backfill,
        )
        rollups_live, total_live = print_units(
            f"LIVE: {live_events} events arriving over {span / 60:.1f} minutes ({live_events / span:.1f} events/s), "
            f"{live_requests} requests "
            f"({live_events / max(live_requests, 1):.1f} events/request), {invocations} stream invocations "
            f"({args.window} s batching window); compaction of the hour charged to these events alone",
            live,
        )

        admin = {"Authorization": f"Bearer {mint_token('admin', 'bench')}"}
        reads = []
        for label, method, path, body in (
            ("GET /real-time?timeRange=1h", "get", "/api/v1/tracking/real-time?timeRange=1h", None),
            ("GET /real-time?timeRange=30d", "get", "/api/v1/tracking/real-time?timeRange=30d", None),
            (
                "POST /funnel-analysis 4 steps, 30d",
                "post",
                "/api/v1/tracking/funnel-analysis",
                {
                    "funnelSteps": [
                        {"name": "Page View", "eventType": "page_view"},
                        {"name": "Event View", "eventType": "view"},
                        {"name": "Add to Cart", "eventType": "add_to_cart"},
                        {"name": "Purchase", "eventType": "purchase"},
                    ],
                    "timeRange": "30d",
                },
            ),
        ):
            kwargs: dict[str, Any] = {"headers": {**admin, "Content-Type": "application/json"}}
            if body is not None:
                kwargs["body"] = json.dumps(body)
            with dynamo.metered() as metered:
                started = time.perf_counter()
                response = getattr(client.http, method)(path, **kwargs)
                elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.body
            data = json.loads(response.body)["data"]
            summary = ""
            if "funnelSteps" in data:
                summary = " → ".join(str(step["count"]) for step in data["funnelSteps"])
            elif "realTimeActivity" in data:
                summary = f"{sum(r['count'] for r in data['realTimeActivity'])} activity events"
            raw = metered.tables.get(RawEvent.Meta.table_name, 0)
            reads.append((label, metered.items, raw, metered.queries, elapsed, summary))

    print("\nREADS (moto server; time includes moto's ~1 ms per item)")
    print(f"  {'request':36} {'items read':>10} {'raw events':>10} {'queries':>8} {'time':>8}  result")
    for label, items, raw, count, elapsed, summary in reads:
        print(f"  {label:36} {items:>10} {raw:>10} {count:>8} {elapsed:>7.2f}s  {summary}")
    print(
        f"\nSUMMARY roll-ups/event live {rollups_live:.3f} (backfill {rollups_backfill:.3f}); "
        f"all-in/event live {total_live:.3f} (backfill {total_backfill:.3f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
