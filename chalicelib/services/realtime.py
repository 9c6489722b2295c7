"""Real-time: the seed's ``GET /real-time`` answer from the packed roll-ups.

Cost is buckets × series, independent of events stored. With a ``userId`` filter
it reads that user's events through the ``by_user`` index instead and folds them
with the same roll-up maths (a per-user roll-up would cost a write per event).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.config import get_settings
from chalicelib.domain import rollups as rd
from chalicelib.domain import sketches
from chalicelib.domain.clock import iso
from chalicelib.domain.stored import fact_of
from chalicelib.store import rawevents
from chalicelib.store import rollups as rollup_store


def _active_sessions_from_rollups(now: datetime) -> int:
    first, last = rd.bucket_sk(now - rd.ACTIVE_WINDOW + timedelta(minutes=1), "minute"), rd.bucket_sk(now, "minute")
    items = rollup_store.read_family("sessions", "minute", first, last)
    return sketches.distinct_count(item.get("hll") for item in items)


def _p95_by_endpoint(plan: rd.RangePlan, endpoints: list[str]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for endpoint in endpoints:
        items = rollup_store.read_family("perfq", plan.granularity, plan.first_sk, plan.last_sk, endpoint)
        out[endpoint] = sketches.quantiles((i.get("kll") for i in items), (0.95,))[0.95]
    return out


def _user_view(user_id: str, plan: rd.RangePlan, event_id: str | None, now: datetime) -> dict:
    events = list(rawevents.events_of_user(user_id, plan.start, now))
    if event_id:
        events = [e for e in events if e.event_id == event_id]
    facts = [fact for fact in map(fact_of, events) if fact is not None]
    deltas = rd.aggregate(facts, get_settings().retention_days)
    counts = rd.deltas_as_items(deltas, "counts", plan.granularity)
    perf = rd.deltas_as_items(deltas, "perf", plan.granularity)
    latencies: dict[str, list[float]] = {}
    for fact in facts:
        if fact.kind == "performance" and fact.response_time is not None:
            latencies.setdefault(fact.name, []).append(fact.response_time)
    p95 = {
        endpoint: sketches.quantiles([sketches.kll_blob(sketches.kll_merge([], values))], (0.95,))[0.95]
        for endpoint, values in latencies.items()
    }
    active = {f.session_id for f in facts if f.session_id and f.ts >= now - rd.ACTIVE_WINDOW}
    return {"counts": counts, "perf": perf, "p95": p95, "active": len(active)}


@rollup_store.shared_reads()
def real_time(
    time_range: str,
    span: timedelta,
    granularity: str,
    now: datetime,
    event_types: set[str] | None = None,
    user_id: str | None = None,
    event_id: str | None = None,
) -> dict:
    """The seed's ``GET /real-time`` data object for the ``span`` ending now (named ``time_range``)."""
    plan = rd.plan_range(span, granularity, now)
    if user_id:
        view = _user_view(user_id, plan, event_id, now)
        counts, perf, p95, active = view["counts"], view["perf"], view["p95"], view["active"]
    else:
        if event_id:
            # Bilten-event roll-ups start at hour granularity.
            event_plan = rd.plan_range(span, "hour" if granularity == "minute" else granularity, now)
            slot = rd.slot_of(event_id, rd.EVENT_SLOTS)
            raw = rollup_store.read_family(
                "event", event_plan.granularity, event_plan.first_sk, event_plan.last_sk, slot
            )
            counts = rd.event_items_as_counts(raw, event_id)
        else:
            counts = rollup_store.read_family("counts", plan.granularity, plan.first_sk, plan.last_sk)
        perf = rollup_store.read_family("perf", plan.granularity, plan.first_sk, plan.last_sk)
        p95 = _p95_by_endpoint(plan, rd.endpoints_in(perf))
        active = _active_sessions_from_rollups(now)
    return {
        "timeRange": time_range,
        "realTimeActivity": rd.activity_series(counts, event_types),
        "realTimeConversions": rd.conversion_series(counts, event_types if event_types and not event_id else None),
        "realTimeInteractions": rd.interaction_series(counts, event_types),
        "activeSessions": active,
        "performanceMetrics": rd.performance_rows(perf, p95),
        "lastUpdated": iso(now)[:19] + "Z",
    }
