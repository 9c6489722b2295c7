"""Scheduled engagement job: user_engagement_metrics and event_engagement_metrics.

Incremental: the checkpoint holds the end of the last window applied; each run
reads only the raw partitions of the new time range (day partitions from the
catalog, key range ``[from, to)``), one day-aligned window at a time, and stops
``engagement_settle_seconds`` before now so requests still in flight land in a
later window. Before applying a window the job records it as pending: a run
that dies half-way is finished by the next one, and the per-entity
``applied_window`` condition (store.engagement) makes the repeat change nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.config import get_settings
from chalicelib.domain.clock import days_between, iso, parse_iso
from chalicelib.domain.engagement import event_deltas, session_summary, user_deltas
from chalicelib.domain.stored import EventFact, fact_of
from chalicelib.observability import logger, metrics
from chalicelib.store import checkpoints, rawevents
from chalicelib.store import engagement as store

JOB = "engagement"
KINDS = ("activity", "interaction", "conversion")


def read_window(start: datetime, end: datetime, now: datetime) -> list[EventFact]:
    """Every live raw fact with ``start <= ts < end`` of the kinds engagement counts."""
    facts: list[EventFact] = []
    for day in days_between(start, end - timedelta(milliseconds=1)):
        for kind in KINDS:
            for pk in rawevents.partitions_of(kind, day):
                events = rawevents.read_partition(pk, iso(start), iso(end), as_of=now.timestamp())
                facts += [fact for fact in map(fact_of, events) if fact]
    return facts


def apply_window(start: datetime, end: datetime, now: datetime) -> dict[str, int]:
    window = iso(end)
    facts = read_window(start, end, now)
    users = user_deltas(facts)
    events = event_deltas(facts)
    applied = skipped = 0
    for user_id, delta in users.items():
        sessions = session_summary(store.session_durations(user_id))
        if store.apply_user_delta(user_id, delta, sessions, window):
            applied += 1
        else:
            skipped += 1
    for event_id, delta in events.items():
        if store.apply_event_delta(event_id, delta, window):
            applied += 1
        else:
            skipped += 1
    return {"factsRead": len(facts), "users": len(users), "events": len(events), "applied": applied, "skipped": skipped}


def windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Day-aligned windows covering ``[start, end)``: a window never spans two day partitions."""
    out = []
    cursor = start
    while cursor < end:
        midnight = cursor.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        out.append((cursor, min(midnight, end)))
        cursor = out[-1][1]
    return out


def run(now: datetime, max_windows: int | None = None) -> dict[str, Any]:
    settings = get_settings()
    end = now - timedelta(seconds=settings.engagement_settle_seconds)
    end = end.replace(microsecond=(end.microsecond // 1000) * 1000)
    position, state = checkpoints.load(JOB)
    todo: list[tuple[datetime, datetime]] = []
    pending = state.get("pending")
    if pending:
        todo.append((parse_iso(pending["from"]), parse_iso(pending["to"])))
        start = parse_iso(pending["to"])
    elif position:
        start = parse_iso(position)
    else:
        start = (end - timedelta(days=settings.engagement_backfill_days)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    todo += windows(start, end)
    if max_windows is not None:
        todo = todo[:max_windows]
    totals = {"windows": 0, "factsRead": 0, "users": 0, "events": 0, "applied": 0, "skipped": 0}
    for window_start, window_end in todo:
        checkpoints.save(JOB, iso(window_start), {"pending": {"from": iso(window_start), "to": iso(window_end)}})
        counts = apply_window(window_start, window_end, now)
        checkpoints.save(JOB, iso(window_end))
        totals["windows"] += 1
        for name, value in counts.items():
            totals[name] += value
    final_position, _ = checkpoints.load(JOB)
    report = {"job": JOB, **totals, "position": final_position}
    metrics.add_metric(name="EngagementFactsRead", unit=MetricUnit.Count, value=totals["factsRead"])
    metrics.add_metric(name="EngagementEntitiesUpdated", unit=MetricUnit.Count, value=totals["applied"])
    logger.info("engagement job finished", extra=report)
    return report
