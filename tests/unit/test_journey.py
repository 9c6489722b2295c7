"""Journey analysis equals a brute-force reference over random event sequences."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.journey import JourneyEvent, analyse

T0 = datetime(2024, 1, 1, tzinfo=UTC)
TIMEOUT = timedelta(minutes=30)
KINDS = [("activity", "page_view"), ("activity", "click"), ("interaction", "like"), ("activity", "page_leave")]

event_strategy = st.builds(
    lambda minute, kind, session, page, order: JourneyEvent(
        ts=T0 + timedelta(minutes=minute),
        order=f"{order:05d}",
        kind=KINDS[kind][0],
        name=KINDS[kind][1],
        session_id=f"s{session}",
        page=f"/p{page}",
    ),
    st.sampled_from([0, 1, 2, 5, 30, 31, 35, 61, 62, 100]),
    st.integers(0, len(KINDS) - 1),
    st.integers(0, 2),
    st.integers(0, 3),
    st.integers(0, 99999),
)


def reference(events: list[JourneyEvent]):
    """Independent re-statement: walk each session's sorted events, cut on gaps > 30 min."""
    ordered = sorted(events, key=lambda e: (e.ts, e.order))
    visits = []
    for session in sorted({e.session_id for e in ordered}):
        mine = [e for e in ordered if e.session_id == session]
        start = 0
        for i in range(1, len(mine) + 1):
            if i == len(mine) or (mine[i].ts - mine[i - 1].ts) > TIMEOUT:
                visits.append(mine[start:i])
                start = i
    pairs, triples = Counter(), Counter()
    bounces = 0
    for visit in visits:
        pages = []
        for e in visit:
            if e.kind == "activity" and e.name == "page_view" and (not pages or pages[-1] != e.page):
                pages.append(e.page)
        for i in range(len(pages) - 1):
            pairs[(pages[i], pages[i + 1])] += 1
        for i in range(len(pages) - 2):
            triples[(pages[i], pages[i + 1], pages[i + 2])] += 1
        views = sum(1 for e in visit if e.name == "page_view")
        engaged = any(e.kind == "interaction" or e.name == "click" for e in visit)
        bounces += views <= 1 and not engaged
    durations = [(v[-1].ts - v[0].ts).total_seconds() for v in visits]
    return visits, pairs, triples, bounces, durations


@settings(max_examples=300, deadline=None)
@given(st.lists(event_strategy, max_size=14))
def test_journey_matches_reference(events) -> None:
    result = analyse(events, TIMEOUT)
    visits, pairs, triples, bounces, durations = reference(events)
    assert result["totalSessions"] == len(visits)
    analysis = result["journeyAnalysis"]
    flows = analysis["commonFlows"]
    got_pairs = {tuple(f["path"]): f["count"] for f in flows if f["type"] == "transition"}
    got_triples = {tuple(f["path"]): f["count"] for f in flows if f["type"] == "path"}
    assert got_pairs == dict(sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:10])
    assert got_triples == dict(sorted(triples.items(), key=lambda kv: (-kv[1], kv[0]))[:10])
    expected_bounce = round(100 * bounces / len(visits), 2) if visits else 0.0
    assert analysis["bounceRate"] == expected_bounce
    assert analysis["sessionDuration"] == (round(sum(durations) / len(durations)) if durations else 0)
    views = Counter(e.page for e in events if e.name == "page_view")
    assert sum(analysis["mostVisitedPages"].values()) == sum(views.values())
    assert result["totalEvents"] == sum(1 for e in events if e.kind == "activity")
    assert result["totalInteractions"] == sum(1 for e in events if e.kind == "interaction")


def test_reload_is_not_a_transition_and_gap_splits_visits() -> None:
    def pv(minute: int, page: str) -> JourneyEvent:
        return JourneyEvent(T0 + timedelta(minutes=minute), f"{minute:03d}", "activity", "page_view", "s", page)

    result = analyse([pv(0, "/a"), pv(1, "/a"), pv(2, "/b"), pv(40, "/c")], TIMEOUT)
    assert result["totalSessions"] == 2
    flows = result["journeyAnalysis"]["commonFlows"]
    assert flows == [{"type": "transition", "path": ["/a", "/b"], "count": 1}]
    assert result["journeyAnalysis"]["bounceRate"] == 50.0
    assert result["journeyAnalysis"]["sessionDuration"] == 60
