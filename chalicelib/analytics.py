"""Analytics reads: compose store reads and pure domain functions into the seed's answers.

Handlers call these; these call ``store`` for data and ``domain`` for the maths.
Real-time reads only roll-ups (cost = buckets × series, independent of events
stored); with a ``userId`` filter it reads that user's events through the
``by_user`` index instead (a per-user roll-up would cost a write per event).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.config import get_settings
from chalicelib.domain import rollups as rd
from chalicelib.domain import sketches
from chalicelib.domain.clock import iso, parse_iso
from chalicelib.domain.events import partition_keys
from chalicelib.domain.funnel import FunnelEvent, FunnelStep, funnel_counts, unit_of
from chalicelib.domain.journey import JourneyEvent
from chalicelib.domain.journey import analyse as analyse_journey
from chalicelib.store import catalog, queries
from chalicelib.store import rollups as rollup_store


def _active_sessions_from_rollups(now: datetime) -> int:
    first, last = rd.bucket_sk(now - rd.ACTIVE_WINDOW + timedelta(minutes=1), "minute"), rd.bucket_sk(now, "minute")
    items = rollup_store.read_range(rd.rollup_pk("sessions", "minute"), first, last)
    return sketches.distinct_count(item.get("hll") for item in items)


def _p95_by_endpoint(plan: rd.RangePlan, endpoints: list[str]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for endpoint in endpoints:
        items = rollup_store.read_range(rd.rollup_pk("perfq", plan.granularity, endpoint), plan.first_sk, plan.last_sk)
        out[endpoint] = sketches.quantiles((i.get("kll") for i in items), (0.95,))[0.95]
    return out


def _user_view(user_id: str, plan: rd.RangePlan, event_id: str | None, now: datetime) -> dict:
    events = [queries.decode_event(item) for item in queries.events_of_user(user_id, plan.start, now)]
    if event_id:
        events = [e for e in events if e.get("event_id") == event_id]
    facts = [rd.fact_from_event(e) for e in events]
    deltas = rd.aggregate(facts, get_settings().retention_days)
    counts = rd.deltas_as_items(deltas, rd.rollup_pk("counts", plan.granularity))
    perf = rd.deltas_as_items(deltas, rd.rollup_pk("perf", plan.granularity))
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
    now: datetime,
    event_types: set[str] | None = None,
    user_id: str | None = None,
    event_id: str | None = None,
) -> dict:
    """The seed's ``GET /real-time`` data object."""
    plan = rd.plan_range(time_range, now)
    if user_id:
        view = _user_view(user_id, plan, event_id, now)
        counts, perf, p95, active = view["counts"], view["perf"], view["p95"], view["active"]
    else:
        if event_id:
            # Bilten-event roll-ups start at hour granularity.
            plan = rd.plan_range(time_range, now, "hour" if plan.granularity == "minute" else plan.granularity)
            slot = rd.slot_of(event_id, rd.EVENT_SLOTS)
            raw = rollup_store.read_range(rd.rollup_pk("event", plan.granularity, slot), plan.first_sk, plan.last_sk)
            counts = rd.event_items_as_counts(raw, event_id)
        else:
            counts = rollup_store.read_range(rd.rollup_pk("counts", plan.granularity), plan.first_sk, plan.last_sk)
        perf_plan = rd.plan_range(time_range, now)
        perf = rollup_store.read_range(
            rd.rollup_pk("perf", perf_plan.granularity), perf_plan.first_sk, perf_plan.last_sk
        )
        p95 = _p95_by_endpoint(perf_plan, rd.endpoints_in(perf))
        active = _active_sessions_from_rollups(now)
    return {
        "timeRange": time_range,
        "realTimeActivity": rd.activity_series(counts, event_types),
        "realTimeConversions": rd.conversion_series(counts, event_types if event_types and not event_id else None),
        "activeSessions": active,
        "performanceMetrics": rd.performance_rows(perf, p95),
        "lastUpdated": iso(now)[:19] + "Z",
    }


# ---- user journey ------------------------------------------------------------------------------

MAX_JOURNEY_ROWS = 1000


def _activity_row(event: dict) -> dict:
    return {
        "id": event["message_id"],
        "event_type": event["name"],
        "session_id": event.get("session_id"),
        "page_url": event.get("page_url"),
        "event_data": event.get("data"),
        "created_at": event["ts"],
    }


def _interaction_row(event: dict) -> dict:
    return {
        "id": event["message_id"],
        "event_id": event.get("event_id"),
        "interaction_type": event["name"],
        "interaction_data": event.get("data"),
        "session_id": event.get("session_id"),
        "created_at": event["ts"],
    }


def user_journey(
    user_id: str, start: datetime, end: datetime, include_events: bool = True, include_interactions: bool = True
) -> dict:
    """The seed's ``GET /user-journey/{userId}`` data: rows (newest first, bounded) and the analysis."""
    events = [queries.decode_event(item) for item in queries.events_of_user(user_id, start, end)]
    journey_events = [
        JourneyEvent(
            ts=parse_iso(e["ts"]),
            order=e["sk"],
            kind=e["kind"],
            name=e["name"],
            session_id=e.get("session_id"),
            page=e.get("page_path") or e.get("page_url"),
        )
        for e in events
    ]
    analysis = analyse_journey(journey_events, timedelta(seconds=get_settings().session_timeout_seconds))
    newest_first = sorted(events, key=lambda e: e["sk"], reverse=True)
    activity = [_activity_row(e) for e in newest_first if e["kind"] == "activity"][:MAX_JOURNEY_ROWS]
    interactions = [_interaction_row(e) for e in newest_first if e["kind"] == "interaction"][:MAX_JOURNEY_ROWS]
    return {
        "userId": user_id,
        "userActivity": activity if include_events else [],
        "eventInteractions": interactions if include_interactions else [],
        **analysis,
    }


# ---- funnel ------------------------------------------------------------------------------------

FUNNEL_KINDS = ("activity", "interaction", "conversion")
FILTER_ATTRIBUTES = {
    "userId": "user_id",
    "sessionId": "session_id",
    "eventId": "event_id",
    "campaignId": "campaign_id",
    "device": "device",
    "browser": "browser",
    "os": "os",
    "utmSource": "utm_source",
    "utmMedium": "utm_medium",
    "utmCampaign": "utm_campaign",
}


def _funnel_items(steps: list[FunnelStep], start: datetime, end: datetime, user_id: str | None):
    """Only the steps' partitions in range (or the user's index partition when filtered by user)."""
    if user_id:
        yield from queries.events_of_user(user_id, start, end)
        return
    shards = get_settings().shard_count
    for day in queries.days_between(start, end):
        for entry in catalog.names_on(day):
            kind, _, name = entry.partition("/")
            if kind in FUNNEL_KINDS and any(step.matches(kind, name) for step in steps):
                yield from queries.events_in_partitions(partition_keys(kind, name, day, shards), start, end)


def funnel(
    steps: list[FunnelStep],
    start: datetime,
    end: datetime,
    window: timedelta,
    mode: str,
    filters: dict[str, str],
) -> list[dict]:
    events = []
    for item in _funnel_items(steps, start, end, filters.get("userId")):
        event = queries.decode_event(item)
        if any(event.get(FILTER_ATTRIBUTES[key]) != value for key, value in filters.items()):
            continue
        unit = unit_of(event.get("user_id"), event.get("session_id"))
        if unit is None:
            continue
        events.append(FunnelEvent(unit, parse_iso(event["ts"]), event["sk"], event["kind"], event["name"]))
    return funnel_counts(events, steps, window, mode)


# ---- campaigns ---------------------------------------------------------------------------------


@rollup_store.shared_reads()
def campaign_performance(campaign_id: str, start: datetime, end: datetime) -> dict:
    """Day roll-ups of one campaign (first-touch): sessions, page views, conversions, revenue, rate."""
    first, last = rd.bucket_sk(start, "day"), rd.bucket_sk(end, "day")
    items = rollup_store.read_range(rd.rollup_pk("campaign", "day"), first, last)
    sessions_items = rollup_store.read_range(rd.rollup_pk("campaignq", "day", campaign_id), first, last)
    daily = []
    totals = {"events": 0, "pageViews": 0, "conversions": 0, "revenue": 0.0}
    for item in sorted(items, key=lambda i: i["sk"]):
        row = {
            "events": item.get(f"n:{campaign_id}", 0),
            "pageViews": item.get(f"pv:{campaign_id}", 0),
            "conversions": item.get(f"c:{campaign_id}", 0),
            "revenue": float(item.get(f"v:{campaign_id}", 0)),
        }
        if row["events"]:
            daily.append({"date": item["sk"][:10], **row, "revenue": round(row["revenue"], 2)})
            for key, value in row.items():
                totals[key] += value
    sessions = sketches.distinct_count(i.get("hll") for i in sessions_items)
    return {
        "sessions": sessions,
        "pageViews": int(totals["pageViews"]),
        "conversions": int(totals["conversions"]),
        "revenue": round(totals["revenue"], 2),
        "conversionRate": round(100.0 * totals["conversions"] / sessions, 2) if sessions else 0.0,
        "events": int(totals["events"]),
        "attribution": "first_touch",
        "startDate": iso(start),
        "endDate": iso(end),
        "daily": daily,
    }
