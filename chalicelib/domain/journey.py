"""A user's journey from their events: pages, flows, sessions, bounce.

Sessions are re-derived from the events with the same rule as ingest (a gap of
more than the inactivity timeout starts a new visit of the same session id),
so the journey agrees with the sessions table without reading it. Flows are
built per visit from consecutive page views; a reload (same page twice in a
row) is not a transition.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

NON_ENGAGEMENT_ACTIVITY = frozenset({"page_view", "page_leave", "performance"})
TOP = 10


@dataclass(frozen=True)
class JourneyEvent:
    ts: datetime
    order: str
    kind: str
    name: str
    session_id: str | None
    page: str | None

    @property
    def is_page_view(self) -> bool:
        return self.kind == "activity" and self.name == "page_view"

    @property
    def is_engagement(self) -> bool:
        if self.kind in ("interaction", "conversion"):
            return True
        return self.kind == "activity" and self.name not in NON_ENGAGEMENT_ACTIVITY


def visits(events: list[JourneyEvent], timeout: timedelta) -> list[list[JourneyEvent]]:
    """Group by session id, then split where the gap exceeds the timeout."""
    by_session: dict[str, list[JourneyEvent]] = {}
    for event in sorted(events, key=lambda e: (e.ts, e.order)):
        if event.kind == "performance" or not event.session_id:
            continue
        by_session.setdefault(event.session_id, []).append(event)
    out: list[list[JourneyEvent]] = []
    for session_events in by_session.values():
        current = [session_events[0]]
        for event in session_events[1:]:
            if event.ts - current[-1].ts > timeout:
                out.append(current)
                current = []
            current.append(event)
        out.append(current)
    out.sort(key=lambda v: (v[0].ts, v[0].order))
    return out


def page_sequence(visit: list[JourneyEvent]) -> list[str]:
    pages: list[str] = []
    for event in visit:
        if event.is_page_view and event.page and (not pages or pages[-1] != event.page):
            pages.append(event.page)
    return pages


def common_flows(all_visits: list[list[JourneyEvent]]) -> list[dict]:
    """Most frequent page-to-page transitions and 3-page paths, most frequent first."""
    pairs: Counter[tuple[str, ...]] = Counter()
    triples: Counter[tuple[str, ...]] = Counter()
    for visit in all_visits:
        pages = page_sequence(visit)
        pairs.update(tuple(pages[i : i + 2]) for i in range(len(pages) - 1))
        triples.update(tuple(pages[i : i + 3]) for i in range(len(pages) - 2))

    def top(counter: Counter[tuple[str, ...]], kind: str) -> list[dict]:
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
        return [{"type": kind, "path": list(path), "count": count} for path, count in ranked]

    return top(pairs, "transition") + top(triples, "path")


def is_bounce(visit: list[JourneyEvent]) -> bool:
    """One page view and nothing else a person did (the sessions table's rule)."""
    return sum(1 for e in visit if e.is_page_view) <= 1 and not any(e.is_engagement for e in visit)


def analyse(events: list[JourneyEvent], timeout: timedelta) -> dict:
    all_visits = visits(events, timeout)
    pages = Counter(e.page for e in events if e.is_page_view and e.page)
    most_visited = dict(sorted(pages.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP])
    durations = [(v[-1].ts - v[0].ts).total_seconds() for v in all_visits]
    bounces = sum(1 for v in all_visits if is_bounce(v))
    return {
        "journeyAnalysis": {
            "mostVisitedPages": most_visited,
            "commonFlows": common_flows(all_visits),
            "sessionDuration": round(sum(durations) / len(durations)) if durations else 0,
            "bounceRate": round(100.0 * bounces / len(all_visits), 2) if all_visits else 0.0,
        },
        "totalSessions": len(all_visits),
        "totalEvents": sum(1 for e in events if e.kind == "activity"),
        "totalInteractions": sum(1 for e in events if e.kind == "interaction"),
    }
