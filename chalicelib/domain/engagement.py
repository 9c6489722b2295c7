"""User and event engagement metrics (the seed's user_engagement_metrics and
event_engagement_metrics) from raw facts.

The job reads raw partitions window by window; this module turns one window's
facts into additive deltas, so a window is applied with one ``ADD`` per entity
and the totals equal a recount from raw events. Definitions:

- user ``total_events``: activity, interaction and conversion facts of the user
  (heatmap points and performance samples are not user events);
- ``total_page_views``: activity ``page_view``; ``total_clicks``: activity
  ``click`` or any ``*_click``;
- event ``total_interactions``: interactions other than ``view`` (likes, shares,
  bookmarks, …), so ``engagement_rate = total_interactions / total_views`` in
  percent says how many views led to an engagement;
- sessions (count, average duration) come from the session table, which
  already applies the inactivity timeout.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from chalicelib.domain.clock import iso
from chalicelib.domain.stored import EventFact

USER_EVENT_KINDS = frozenset({"activity", "interaction", "conversion"})


@dataclass
class UserDelta:
    total_events: int = 0
    total_page_views: int = 0
    total_clicks: int = 0
    total_conversions: int = 0
    total_conversion_value: float = 0.0
    first_activity: str | None = None
    last_activity: str | None = None


@dataclass
class EventDelta:
    total_views: int = 0
    total_interactions: int = 0
    total_likes: int = 0
    total_shares: int = 0
    total_bookmarks: int = 0
    total_conversions: int = 0
    total_conversion_value: float = 0.0
    first_interaction: str | None = None
    last_interaction: str | None = None


COUNTER_FIELDS_USER = tuple(f.name for f in fields(UserDelta) if f.name.startswith("total_"))
COUNTER_FIELDS_EVENT = tuple(f.name for f in fields(EventDelta) if f.name.startswith("total_"))
_EVENT_COUNTERS = {"like": "total_likes", "share": "total_shares", "bookmark": "total_bookmarks"}


def is_click(name: str) -> bool:
    return name == "click" or name.endswith("_click")


def _span(first: str | None, last: str | None, ts: str) -> tuple[str, str]:
    return (ts if first is None or ts < first else first), (ts if last is None or ts > last else last)


def user_deltas(facts: Iterable[EventFact]) -> dict[str, UserDelta]:
    out: dict[str, UserDelta] = {}
    for fact in facts:
        if not fact.user_id or fact.kind not in USER_EVENT_KINDS:
            continue
        delta = out.setdefault(fact.user_id, UserDelta())
        delta.total_events += 1
        if fact.kind == "activity" and fact.name == "page_view":
            delta.total_page_views += 1
        if fact.kind == "activity" and is_click(fact.name):
            delta.total_clicks += 1
        if fact.kind == "conversion":
            delta.total_conversions += 1
            delta.total_conversion_value += float(fact.value or 0)
        delta.first_activity, delta.last_activity = _span(delta.first_activity, delta.last_activity, iso(fact.ts))
    return out


def event_deltas(facts: Iterable[EventFact]) -> dict[str, EventDelta]:
    out: dict[str, EventDelta] = {}
    for fact in facts:
        if not fact.event_id or fact.kind not in ("interaction", "conversion"):
            continue
        delta = out.setdefault(fact.event_id, EventDelta())
        if fact.kind == "conversion":
            delta.total_conversions += 1
            delta.total_conversion_value += float(fact.value or 0)
        elif fact.name == "view":
            delta.total_views += 1
        else:
            delta.total_interactions += 1
            counter = _EVENT_COUNTERS.get(fact.name)
            if counter:
                setattr(delta, counter, getattr(delta, counter) + 1)
        if fact.kind == "interaction":
            delta.first_interaction, delta.last_interaction = _span(
                delta.first_interaction, delta.last_interaction, iso(fact.ts)
            )
    return out


def engagement_rate(total_interactions: float, total_views: float) -> float:
    """Interactions per view, in percent (0 without views)."""
    return round(float(total_interactions) / float(total_views) * 100, 2) if total_views else 0.0


def session_summary(durations: list[float]) -> tuple[int, int]:
    """(number of sessions, average duration in whole seconds)."""
    if not durations:
        return 0, 0
    return len(durations), round(sum(durations) / len(durations))
