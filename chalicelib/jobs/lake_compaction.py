"""Scheduled job: rewrite the small objects of closed lake days into one per day.

A day is closed once it has ended; late events (accepted up to ``max_event_age_days`` old)
can still add objects to it, so the job looks back that far and re-compacts a day whenever
it has uncovered objects. Re-runs are no-ops (``store.lake.compact_day`` is idempotent and
deterministic), and a run interrupted between its PUT and its deletes is finished by the next.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.clock import days_between
from chalicelib.store import lake


def closed_days(now: datetime, lookback_days: int) -> list[str]:
    """Days that ended before ``now``, newest ``lookback_days`` of them."""
    yesterday = now - timedelta(days=1)
    return days_between(now - timedelta(days=lookback_days), yesterday)


def run(now: datetime, lookback_days: int | None = None, **_options: Any) -> dict[str, Any]:
    lookback = lookback_days or get_settings().max_event_age_days + 1
    reports = [lake.compact_day(day) for day in closed_days(now, int(lookback))]
    written = [r for r in reports if r.written or r.deleted]
    return {
        "days_checked": len(reports),
        "days_compacted": sum(1 for r in reports if r.written),
        "objects_replaced": sum(r.inputs for r in reports),
        "objects_deleted": sum(r.deleted for r in reports),
        "duplicates_dropped": sum(r.duplicates_dropped for r in reports),
        "days": {r.day: {"inputs": r.inputs, "rows": r.rows, "deleted": r.deleted} for r in written},
    }
