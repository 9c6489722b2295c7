"""What can be asked about: the names seen per kind over a range, and the pages with heatmap data.

The dashboard offers these as choices (event types, interactions, conversions,
endpoints, heatmap pages) instead of asking the analyst to type them. Read from
the day catalog (one small partition per day), so the cost follows the days in
range, never the events stored.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.clock import days_between
from chalicelib.store import catalog, rawevents

KINDS = rawevents.RAW_KINDS


def names_seen(start: datetime, end: datetime, kind: str | None = None) -> dict[str, list[str]]:
    """Every name stored per kind on the days of ``[start, end]`` (only ``kind`` if given), sorted."""
    seen: dict[str, set[str]] = {k: set() for k in KINDS if kind is None or k == kind}
    for day in days_between(start, end):
        for entry in catalog.names_on(day):
            entry_kind, _, name = entry.partition("/")
            if entry_kind in seen:
                seen[entry_kind].add(name)
    return {k: sorted(names) for k, names in seen.items()}
