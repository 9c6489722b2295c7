"""Roll-up compaction: closed hours from their minutes, closed days from their hours.

The stream handler writes only minute buckets, so a stream batch rewrites a couple of
small items whatever the range a dashboard later asks for. This job, every minute,
builds each hour once it has closed (plus a grace for stream lag) and each day once its
last hour is built, as whole puts of the merged buckets below. A rebuild from the same
minutes gives the same item, so a repeated or crashed run never counts twice.

Order: seal every closed hour (chunks touching a sealed hour also mark it dirty), then
per hour that holds minutes: read them, put the hour, put any day that has closed, and
advance ``compacted``, the point up to which readers trust built items. Marked hours are rebuilt afterwards,
with their day when that day is closed; a mark is removed only if no chunk renewed it
meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.config import get_settings
from chalicelib.domain import tiers
from chalicelib.domain.clock import parse_iso
from chalicelib.domain.rollups import bucket_sk, next_hour
from chalicelib.observability import logger, metrics
from chalicelib.store import rollups as rollup_store

GRACE = timedelta(minutes=2)
LEASE_SECONDS = 600


def _expiry(bucket: str) -> int:
    return int((parse_iso(bucket) + timedelta(days=get_settings().retention_days)).timestamp())


def build_hour(hour: str) -> int:
    minutes = rollup_store.read_tier("minute", hour, tiers.last_sk_within(hour, "hour"), consistent=True)
    merged = tiers.merge(minutes.values())
    return rollup_store.write_bucket("hour", hour, merged, _expiry(hour)) if merged else 0


def build_day(day: str) -> int:
    hours = rollup_store.read_tier("hour", day, tiers.last_sk_within(day, "day"), consistent=True)
    merged = tiers.merge(hours.values())
    return rollup_store.write_bucket("day", day, merged, _expiry(day)) if merged else 0


def _last_hour_of_day(hour: str) -> str:
    return hour[:11] + "23:00:00Z"


def _advance(done: str | None, to: str, report: dict[str, Any]) -> str:
    """Build the days that close in ``(done, to]``, then let readers trust everything up to ``to``."""
    if done is not None:
        day = parse_iso(done[:10] + "T00:00:00Z")
        while (last := _last_hour_of_day(bucket_sk(day, "hour"))) <= to:
            if last > done:
                report["items_written"] += build_day(bucket_sk(day, "day"))
                report["days"] += 1
            day += timedelta(days=1)
    rollup_store.mark_compacted(to)
    report["compacted"] = to
    return to


def compact_closed_hours(now: datetime, max_hours: int, report: dict[str, Any]) -> str | None:
    """Seal every closed hour at once, then build only the hours that hold minutes (one
    ``Limit 1`` query finds the next), so empty stretches cost nothing per hour."""
    limit = bucket_sk(now - GRACE - timedelta(hours=1), "hour")
    done = rollup_store.load_state().compacted
    position = next_hour(done) if done else None
    if position is not None and position > limit:
        return done
    rollup_store.seal(limit)  # before any read of minutes: a write after it comes with a mark
    if position is None:
        horizon = now - timedelta(days=get_settings().max_event_age_days + 3)  # minutes live no longer
        oldest = rollup_store.first_minute_from(bucket_sk(horizon, "day"), limit)
        if oldest is None:
            return done
        position = bucket_sk(parse_iso(oldest), "hour")
        done = bucket_sk(parse_iso(position) - timedelta(hours=1), "hour")
    while True:
        found = rollup_store.first_minute_from(position, limit)
        hour = bucket_sk(parse_iso(found), "hour") if found else None
        if hour is None or hour > limit:
            return _advance(done, limit, report)
        if report["hours"] >= max_hours:
            return _advance(done, bucket_sk(parse_iso(hour) - timedelta(hours=1), "hour"), report)
        report["items_written"] += build_hour(hour)
        report["hours"] += 1
        done = _advance(done, hour, report)
        position = next_hour(hour)


def rebuild_marked_hours(compacted: str | None, max_dirty: int, report: dict[str, Any]) -> None:
    marks = rollup_store.dirty_hours(max_dirty)
    days = set()
    for marked, _stamp in marks:
        report["items_written"] += build_hour(marked)
        if compacted is not None and _last_hour_of_day(marked) <= compacted:
            days.add(marked[:10] + "T00:00:00Z")
    for day in sorted(days):
        report["items_written"] += build_day(day)
        report["days"] += 1
    for marked, stamp in marks:
        rollup_store.clear_dirty(marked, stamp)
    report["dirty_hours"] = len(marks)


def run(now: datetime, max_hours: int = 2000, max_dirty: int = 500) -> dict[str, Any]:
    if not rollup_store.take_lease(int(now.timestamp()), LEASE_SECONDS):
        return {"skipped": "another compaction run holds the lease"}
    report: dict[str, Any] = {"hours": 0, "days": 0, "dirty_hours": 0, "items_written": 0, "compacted": None}
    try:
        compacted = compact_closed_hours(now, max_hours, report)
        rebuild_marked_hours(compacted, max_dirty, report)
    finally:
        rollup_store.release_lease()
    metrics.add_metric(name="RollupHoursCompacted", unit=MetricUnit.Count, value=report["hours"])
    metrics.add_metric(name="RollupDirtyHoursRebuilt", unit=MetricUnit.Count, value=report["dirty_hours"])
    logger.info("roll-up compaction", extra=report)
    return report
