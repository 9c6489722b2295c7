"""Batch ingest vs the floor: bare boto3 BatchWriteItem of the same items to the same moto server.

Prints, from one run:
- wall time of ingesting the demo plan through ``POST /batch`` on ``chalice local``
  (HTTP, validation, enrichment, rate limit, raw writes, catalog, sessions) and of
  writing the very same raw items with bare ``batch_write_item`` calls, and their ratio
  (after an untimed warm-up of both sides — the first requests to a fresh moto server are
  slower, whoever sends them — the median of ``--repeats`` runs on fresh events, alternating
  which side goes first);
- DynamoDB requests and items written per ingested event, counted on the client
  (in-process run of the same handler through ``chalice.test.Client``).

Usage: ``make bench`` or ``.venv/bin/python bench/bench_ingest.py [--days 7]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local.demo_data import DemoPlan, VisitBatch, generate, load  # noqa: E402
from local.stack import LocalStack, free_port  # noqa: E402


def merged(plan: DemoPlan, per_request: int) -> DemoPlan:
    """The plan's browser events re-sent as full batches (a relay or server-side collector flushing
    ``per_request`` events at a time, anonymous, many visits per request)."""
    from local.demo_data import BOT_AGENT, USER_AGENTS

    events = [e for b in plan.batches if b.user_agent != BOT_AGENT for e in b.events]
    return DemoPlan(
        [VisitBatch(None, USER_AGENTS[0], events[i : i + per_request]) for i in range(0, len(events), per_request)]
    )


def count_in_process(plan: DemoPlan, moto_url: str) -> Counter:
    """Run the same handler in-process on a separate table prefix and count DynamoDB calls/items."""
    code = f"""
import json, os, sys
sys.path.insert(0, {str(ROOT)!r})
from collections import Counter
import botocore.session
from local.demo_data import DemoPlan, VisitBatch
plan = DemoPlan([VisitBatch(**b) for b in json.load(sys.stdin)])
counts = Counter()
def count(params, model, **kwargs):
    op = model.name
    counts[op] += 1
    if op == "BatchWriteItem":
        counts["items:BatchWriteItem"] += sum(len(v) for v in params["RequestItems"].values())
    elif op == "TransactWriteItems":
        counts["items:TransactWriteItems"] += len(params["TransactItems"])
    elif op in ("PutItem", "UpdateItem", "DeleteItem"):
        counts["items:" + op] += 1
import botocore.client
orig = botocore.client.BaseClient._make_api_call
def wrapped(self, operation_name, api_params):
    if self.meta.service_model.service_name == "dynamodb":
        count(api_params, self.meta.service_model.operation_model(operation_name))
    return orig(self, operation_name, api_params)
from chalicelib.store.tables import create_tables
create_tables()
botocore.client.BaseClient._make_api_call = wrapped
from chalice.test import Client
from chalicelib.auth import mint_token
from app import app
import resource, time
events = 0
cpu_started = time.process_time()
with Client(app) as client:
    for batch in plan.batches:
        headers = {{"Content-Type": "application/json", "User-Agent": batch.user_agent}}
        if batch.user_id:
            headers["Authorization"] = "Bearer " + mint_token("user", batch.user_id)
        response = client.http.post("/api/v1/tracking/batch", body=json.dumps({{"events": batch.events}}),
                                    headers=headers)
        assert response.status_code in (200, 202), response.body
        events += json.loads(response.body)["data"].get("accepted", 0)
counts["handler_cpu_ms"] = round((time.process_time() - cpu_started) * 1000)
counts["http_requests"] = len(plan.batches)
counts["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
counts["events"] = events
print(json.dumps(counts))
"""
    import json

    env = LocalStack(moto_port=int(moto_url.rsplit(":", 1)[1]), stage="benchcount").env
    env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    env["POWERTOOLS_METRICS_DISABLED"] = "true"
    env["RATE_LIMIT_REQUESTS"] = "1000000"
    env["MAX_EVENT_AGE_DAYS"] = "40"  # the demo plan reaches back further than the default week
    payload = json.dumps([b.__dict__ for b in plan.batches])
    result = subprocess.run(
        [sys.executable, "-c", code], input=payload, capture_output=True, text=True, env=env, cwd=ROOT
    )
    if result.returncode != 0:
        raise SystemExit(f"in-process count failed:\n{result.stderr[-3000:]}")
    return Counter(json.loads(result.stdout.strip().splitlines()[-1]))


def floor_items(plan: DemoPlan) -> list[dict]:
    """The raw items our pipeline stores for this plan, built by the same domain code."""
    from datetime import UTC, datetime

    from chalicelib.config import get_settings
    from chalicelib.domain.events import RequestFacts
    from chalicelib.domain.useragent import parse_user_agent
    from chalicelib.services.ingest import policy_from, validate_items
    from chalicelib.store.events import to_model

    settings = get_settings()
    items = []
    for batch in plan.batches:
        agent = parse_user_agent(batch.user_agent)
        if agent.is_bot:
            continue
        facts = RequestFacts(now=datetime.now(UTC), user_id=batch.user_id, ip_hash="0" * 32, agent=agent)
        pairs = [(e["type"], {k: v for k, v in e.items() if k != "type"}) for e in batch.events]
        _, stored = validate_items(pairs, facts, policy_from(settings), in_batch=True)
        items += [to_model(event).serialize() for _, event, _ in stored]
    return items


def bare_batch_writes(items: list[dict], moto_url: str, table: str) -> float:
    import boto3

    from chalicelib.store.models import RawEvent

    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    schema = RawEvent._get_schema()  # the same keys and indexes as the real events table
    client.create_table(
        TableName=table,
        KeySchema=schema["key_schema"],
        AttributeDefinitions=schema["attribute_definitions"],
        GlobalSecondaryIndexes=[
            {"IndexName": index["index_name"], "KeySchema": index["key_schema"], "Projection": index["projection"]}
            for index in schema["global_secondary_indexes"]
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": RawEvent.Meta.stream_view_type},
        BillingMode="PAY_PER_REQUEST",
    )
    started = time.perf_counter()
    for start in range(0, len(items), 25):
        request = {table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--visits-per-day", type=int, default=60)
    parser.add_argument("--per-request", type=int, default=500, help="events per request in the full-batch run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per row (the median is reported)")
    args = parser.parse_args()
    for key, value in LocalStack().env.items():
        if key.startswith("AWS_"):
            os.environ[key] = value

    def sdk_plan_of(seed: int) -> DemoPlan:
        return generate(days=args.days, visits_per_day=args.visits_per_day, seed=seed)

    rows = []
    with LocalStack(moto_port=free_port(), api_port=free_port(), stage="dev", background=()) as stack:
        warm_up = generate(days=1, visits_per_day=args.visits_per_day, seed=99)  # untimed, for both sides
        load(stack.api_url, warm_up, workers=1, progress=False)
        bare_batch_writes(floor_items(warm_up), stack.moto_url, "bench-floor-warm-up")
        for label, make_plan in (
            (
                f"full batches ({args.per_request} events per request)",
                lambda seed: merged(sdk_plan_of(seed), args.per_request),
            ),
            ("SDK-sized batches (one visit per request)", sdk_plan_of),
        ):
            ratios = []
            for repeat in range(args.repeats):
                # fresh events each time (new ids, new sessions); the floor goes first every other
                # time, so neither side always meets the warmer server
                plan = make_plan(10 * len(rows) + repeat + 3)
                items = floor_items(plan)
                table = f"bench-floor-{len(rows)}-{repeat}"
                if repeat % 2:
                    floor = bare_batch_writes(items, stack.moto_url, table)
                started = time.perf_counter()
                totals = load(stack.api_url, plan, workers=1, progress=False)
                ours = time.perf_counter() - started
                if not repeat % 2:
                    floor = bare_batch_writes(items, stack.moto_url, table)
                ratios.append((ours / floor, totals["accepted"], totals["requests"], ours, floor))
            rows.append((label, sorted(ratios)[len(ratios) // 2], [round(r[0], 2) for r in ratios]))
        counts = count_in_process(sdk_plan_of(3), stack.moto_url)

    print(f"\nBatch ingest vs bare boto3 BatchWriteItem, same items, same moto server ({args.days} days of demo data)")
    print("(ours = HTTP + validation + enrichment + rate limit + raw writes + catalog + sessions; goal ≤ 1.3)")
    print(f"median of {args.repeats} runs, each on fresh events")
    print(f"{'run':<48}{'events':>8}{'requests':>10}{'ours s':>9}{'floor s':>9}{'ratio':>7}  all ratios")
    for label, (ratio, accepted, requests, ours, floor), every in rows:
        print(f"{label:<48}{accepted:>8}{requests:>10}{ours:>9.2f}{floor:>9.2f}{ratio:>7.2f}  {every}")
    events = counts.pop("events")
    cpu_ms, http_requests, rss_mb = counts.pop("handler_cpu_ms"), counts.pop("http_requests"), counts.pop("peak_rss_mb")
    write_ops = ("BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")
    writes = sum(v for k, v in counts.items() if k in write_ops)
    items_written = sum(v for k, v in counts.items() if k.startswith("items:"))
    reads = sum(v for k, v in counts.items() if k in ("GetItem", "BatchGetItem", "Query"))
    print(f"\nDynamoDB requests per ingested event (SDK-sized batches, {events} events, in-process count):")
    calls = {k: v for k, v in counts.items() if not k.startswith("items:")}
    print(f"  write requests / event : {writes / events:.3f}   ({calls})")
    print(f"  items written / event  : {items_written / events:.3f}   (raw item + sessions + rate limit + catalog)")
    print(f"  read requests / event  : {reads / events:.3f}")
    print(
        f"\nHandler compute (in-process, storage on the moto server): {cpu_ms / http_requests:.1f} ms CPU per request "
        f"({events / http_requests:.1f} events per request), {cpu_ms / events:.2f} ms per event; "
        f"peak RSS {rss_mb} MB (Lambda memory setting: 512 MB)"
    )
    print(
        f"SUMMARY ratio full-batch {rows[0][1][0]:.2f}, "
        f"SDK-sized {rows[1][1][0]:.2f} (goal <= 1.3; medians of {args.repeats}); "
        f"write requests/event {writes / events:.3f}; items/event {items_written / events:.3f}; "
        f"handler CPU {cpu_ms / http_requests:.1f} ms/request"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
