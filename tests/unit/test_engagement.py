from __future__ import annotations

from typing import Any

from chalicelib.domain.clock import parse_iso
from chalicelib.domain.engagement import engagement_rate, event_deltas, session_summary, user_deltas
from chalicelib.domain.stored import EventFact


def RawFact(kind: str, name: str, ts: str, **attributes: Any) -> EventFact:
    return EventFact(kind, name, parse_iso(ts), **attributes)


def test_user_deltas_count_the_seed_columns() -> None:
    facts = [
        RawFact("activity", "page_view", "2026-01-01T10:00:00.000Z", user_id="u1"),
        RawFact("activity", "button_click", "2026-01-01T10:01:00.000Z", user_id="u1"),
        RawFact("interaction", "like", "2026-01-01T09:00:00.000Z", user_id="u1", event_id="e1"),
        RawFact("conversion", "purchase", "2026-01-01T10:05:00.000Z", user_id="u1", value=99.5),
        RawFact("heatmap", "bilten.com/", "2026-01-01T11:00:00.000Z", user_id="u1"),
        RawFact("activity", "page_view", "2026-01-01T10:00:00.000Z", session_id="anon"),
    ]
    deltas = user_deltas(facts)
    assert list(deltas) == ["u1"]
    u1 = deltas["u1"]
    assert (u1.total_events, u1.total_page_views, u1.total_clicks, u1.total_conversions) == (4, 1, 1, 1)
    assert u1.total_conversion_value == 99.5
    assert (u1.first_activity, u1.last_activity) == ("2026-01-01T09:00:00.000Z", "2026-01-01T10:05:00.000Z")


def test_event_deltas_and_engagement_rate() -> None:
    facts = [RawFact("interaction", "view", f"2026-01-01T10:0{i}:00.000Z", event_id="e1") for i in range(4)]
    facts += [
        RawFact("interaction", "like", "2026-01-01T10:09:00.000Z", event_id="e1"),
        RawFact("interaction", "share", "2026-01-01T09:59:00.000Z", event_id="e1"),
        RawFact("conversion", "purchase", "2026-01-01T11:00:00.000Z", event_id="e1", value=10),
        RawFact("activity", "page_view", "2026-01-01T11:00:00.000Z", event_id="e1"),
    ]
    e1 = event_deltas(facts)["e1"]
    assert (e1.total_views, e1.total_interactions, e1.total_likes, e1.total_shares) == (4, 2, 1, 1)
    assert (e1.total_conversions, e1.total_conversion_value) == (1, 10.0)
    assert (e1.first_interaction, e1.last_interaction) == ("2026-01-01T09:59:00.000Z", "2026-01-01T10:09:00.000Z")
    assert engagement_rate(e1.total_interactions, e1.total_views) == 50.0
    assert engagement_rate(3, 0) == 0.0
    assert session_summary([10, 20, 31]) == (3, 20)
    assert session_summary([]) == (0, 0)
