"""Funnels over ordered events, per unit (the user when known, else the session).

A unit reaches step k when it has events e1..ek matching steps 1..k, in event
order, with ``ts(ek) - ts(e1) <= window`` (inclusive). Two modes:

* ``ordered`` (default): other events may happen between the steps.
* ``strict``: the steps are consecutive among the unit's funnel events, i.e. the
  events matching any step of this funnel (the only partitions the funnel reads).

One pass per unit (ClickHouse's ``windowFunnel`` idea): for each step keep the
*latest* start time of a chain that reached it. The latest start leaves the
most window for the remaining steps and gives the shortest conversion time for
a chain ending at the current event, so the pass yields both the furthest step
and, per step, the unit's shortest time from step 1. Steps are checked from
last to first so one event never fills two steps of the same chain.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

MODES = ("ordered", "strict")


@dataclass(frozen=True)
class FunnelStep:
    name: str
    event_type: str
    kind: str | None = None  # restrict to one stored kind; None = any kind

    def matches(self, kind: str, name: str) -> bool:
        return name == self.event_type and (self.kind is None or self.kind == kind)


@dataclass(frozen=True)
class FunnelEvent:
    unit: str
    ts: datetime
    order: str  # tie-break for equal timestamps (the raw sort key)
    kind: str
    name: str


@dataclass(frozen=True)
class UnitResult:
    reached: int
    seconds_to_step: dict[int, float]  # step index (0-based, ≥ 1) → shortest seconds from step 0


def unit_of(user_id: str | None, session_id: str | None) -> str | None:
    """The user when known, else the session: a signed-in person is one unit across sessions."""
    if user_id:
        return f"u:{user_id}"
    if session_id:
        return f"s:{session_id}"
    return None


def walk_unit(events: list[FunnelEvent], steps: list[FunnelStep], window: timedelta, mode: str) -> UnitResult:
    """Furthest step and per-step shortest conversion time for one unit's events (sorted)."""
    count = len(steps)
    starts: list[datetime | None] = [None] * count
    best: dict[int, float] = {}
    reached = 0
    for event in events:
        previous = starts if mode == "ordered" else list(starts)
        current = starts if mode == "ordered" else [None] * count
        for k in range(count - 1, -1, -1):
            if not steps[k].matches(event.kind, event.name):
                continue
            if k == 0:
                current[0] = event.ts
                reached = max(reached, 1)
                continue
            start = previous[k - 1]
            if start is None or event.ts - start > window:
                continue
            if current[k] is None or start > current[k]:  # type: ignore[operator]
                current[k] = start
            reached = max(reached, k + 1)
            seconds = (event.ts - start).total_seconds()
            if k not in best or seconds < best[k]:
                best[k] = seconds
        starts = current
    return UnitResult(reached, best)


def group_by_unit(events: Iterable[FunnelEvent]) -> dict[str, list[FunnelEvent]]:
    units: dict[str, list[FunnelEvent]] = {}
    for event in events:
        units.setdefault(event.unit, []).append(event)
    for unit_events in units.values():
        unit_events.sort(key=lambda e: (e.ts, e.order))
    return units


def _rate(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def funnel_counts(
    events: Iterable[FunnelEvent], steps: list[FunnelStep], window: timedelta, mode: str = "ordered"
) -> list[dict]:
    """Per step: units reaching it, rates vs step 1 and vs the previous step, drop-off, median time."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    relevant = [e for e in events if any(step.matches(e.kind, e.name) for step in steps)]
    results = [walk_unit(unit_events, steps, window, mode) for unit_events in group_by_unit(relevant).values()]
    counts = [sum(1 for r in results if r.reached >= k + 1) for k in range(len(steps))]
    rows = []
    for k, step in enumerate(steps):
        times = [r.seconds_to_step[k] for r in results if r.reached >= k + 1 and k in r.seconds_to_step]
        rows.append(
            {
                "step": step.name,
                "eventType": step.event_type,
                "count": counts[k],
                "conversionRate": _rate(counts[k], counts[0]) if k else (100.0 if counts[0] else 0.0),
                "stepConversionRate": _rate(counts[k], counts[k - 1]) if k else (100.0 if counts[0] else 0.0),
                "dropOff": counts[k - 1] - counts[k] if k else 0,
                "medianTimeToConvert": statistics.median(times) if times else None,
            }
        )
    return rows


def overall_rate(rows: list[dict]) -> float:
    if not rows or not rows[0]["count"]:
        return 0.0
    return _rate(rows[-1]["count"], rows[0]["count"])
