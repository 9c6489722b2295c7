"""The funnel over the event lake: same question, same answer as ``journeys.funnel``.

The engine selects the steps' events (partition-pruned by day, filtered, unit computed, in
unit/time order); the per-unit pass is ``domain.funnel.funnel_counts``, the same code the
DynamoDB path runs, so the two can only differ in which events they see, and the equality
test (tests/integration/test_lake_funnel.py) checks they see the same ones.

Imports the engine (duckdb, pyarrow): only a function that queries the lake may import this.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.clock import iso, parse_iso
from chalicelib.domain.funnel import FunnelEvent, FunnelStep, funnel_counts
from chalicelib.store import engine, lake_sql


def funnel_events(
    steps: list[FunnelStep], start: datetime, end: datetime, filters: dict[str, str], attributes: dict[str, str]
) -> list[FunnelEvent]:
    sql = lake_sql.funnel_events(
        [step.event_type for step in steps],
        {attributes[key]: value for key, value in filters.items()},
        all_kinds=bool(filters.get("userId")),
    )
    first, last = iso(start), iso(end)
    params = {"start_day": first[:10], "end_day": last[:10], "start": first, "end": last}
    return [
        FunnelEvent(row["unit"], parse_iso(row["ts"]), row["sk"], row["kind"], row["name"])
        for row in engine.query(sql, params)
    ]


def funnel(
    steps: list[FunnelStep],
    start: datetime,
    end: datetime,
    window: timedelta,
    mode: str,
    filters: dict[str, str],
    attributes: dict[str, str],
) -> list[dict]:
    """Units (users, else sessions) reaching each step in order within ``window`` of their first step."""
    return funnel_counts(funnel_events(steps, start, end, filters, attributes), steps, window, mode)
