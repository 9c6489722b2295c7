"""Folding events into sessions: inactivity splits, entry/exit, first touch, bounce, duration, idempotence."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.sessions import (
    MAX_FINGERPRINTS,
    SessionEvent,
    SessionState,
    Touch,
    first_touch,
    fold_session,
    touches,
)

T0 = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=30)


def event(
    minute: float, kind: str = "activity", name: str = "page_view", page: str | None = "/", **extra
) -> SessionEvent:
    return SessionEvent(
        message_id=str(uuid.uuid4()), ts=T0 + timedelta(minutes=minute), kind=kind, name=name, page=page, **extra
    )


def fold(events: list[SessionEvent], state: SessionState | None = None):
    return fold_session(state, "s-1", events, TIMEOUT)


def test_entry_exit_duration_and_page_views() -> None:
    state, closed, applied = fold([event(0, page="/a"), event(3, page="/b"), event(7, page="/c")])
    assert closed == [] and applied == 3
    assert (state.entry_page, state.exit_page) == ("/a", "/c")
    assert (state.page_views, state.events, state.duration) == (3, 3, 420)
    assert (state.first_seen, state.last_seen) == ("2024-01-15T10:00:00.000Z", "2024-01-15T10:07:00.000Z")
    assert state.bounce is False  # several pages viewed


def test_arrival_order_does_not_change_entry_and_exit() -> None:
    state, _, _ = fold([event(7, page="/c"), event(0, page="/a"), event(3, page="/b")])
    assert (state.entry_page, state.exit_page) == ("/a", "/c")


def test_late_event_from_an_earlier_request_moves_the_entry_page() -> None:
    state, _, _ = fold([event(5, page="/b")])
    state, _, _ = fold([event(1, page="/a")], state)
    assert (state.entry_page, state.exit_page, state.duration) == ("/a", "/b", 240)


def test_thirty_minutes_of_inactivity_closes_the_visit() -> None:
    state, closed, _ = fold([event(0, page="/a"), event(10, page="/b"), event(40.5, page="/c")])
    [visit] = closed
    assert visit.session_id == "s-1~0" and visit.segment == 0
    assert (visit.page_views, visit.entry_page, visit.exit_page, visit.duration) == (2, "/a", "/b", 600)
    assert state.session_id == "s-1" and state.segment == 1
    assert (state.page_views, state.entry_page, state.duration, state.bounce) == (1, "/c", 0, True)


def test_exactly_thirty_minutes_keeps_the_visit_open() -> None:
    state, closed, _ = fold([event(0), event(30)])
    assert closed == [] and state.page_views == 2


def test_split_across_calls_keeps_counting_segments() -> None:
    state, _, _ = fold([event(0)])
    state, closed, _ = fold([event(45)], state)
    assert [c.session_id for c in closed] == ["s-1~0"]
    state, closed, _ = fold([event(100)], state)
    assert [c.session_id for c in closed] == ["s-1~1"] and state.segment == 2


def test_first_touch_utm_and_referrer() -> None:
    state, _, _ = fold(
        [
            event(
                0,
                utm={"source": "newsletter", "campaign": "summer"},
                referrer="https://google.com/",
                referrer_domain="google.com",
            ),
            event(2, utm={"source": "twitter"}, referrer="https://t.co/x", referrer_domain="t.co"),
        ]
    )
    assert (state.utm_source, state.utm_campaign, state.utm_medium) == ("newsletter", "summer", None)
    assert state.referrer_domain == "google.com"


def test_first_event_with_campaign_sets_the_touch_when_landing_had_none() -> None:
    state, _, _ = fold([event(0), event(1, utm={"source": "ads"})])
    assert state.utm_source == "ads"


def test_bounce_rules() -> None:
    assert fold([event(0)])[0].bounce is True
    assert fold([event(0), event(1, name="button_click", page=None)])[0].bounce is False
    assert fold([event(0), event(1, kind="interaction", name="like", page=None)])[0].bounce is False
    assert fold([event(0), event(1, kind="conversion", name="purchase", page=None)])[0].bounce is False
    assert fold([event(0), event(1, name="page_leave")])[0].bounce is True
    assert fold([event(0), event(1, kind="heatmap", name="bilten.com/", page="/")])[0].bounce is True


def test_signed_in_user_and_device_are_kept() -> None:
    state, _, _ = fold([event(0, browser="Chrome", device="desktop"), event(1, user_id="u-1", browser="Firefox")])
    assert (state.user_id, state.browser, state.device) == ("u-1", "Chrome", "desktop")


def test_refolding_counted_events_is_a_no_op() -> None:
    events = [event(0), event(1, name="click")]
    state, _, _ = fold(events)
    again, closed, applied = fold(events, state)
    assert applied == 0 and closed == []
    assert again == state


def test_fingerprints_are_bounded() -> None:
    events = [event(i / 100) for i in range(MAX_FINGERPRINTS + 50)]
    state, _, applied = fold(events)
    assert applied == MAX_FINGERPRINTS + 50
    assert len(state.seen) == MAX_FINGERPRINTS * 4


def test_input_state_is_not_mutated() -> None:
    state, _, _ = fold([event(0)])
    snapshot = dataclasses.replace(state)
    fold([event(1), event(50)], state)
    assert state == snapshot


# --- properties -------------------------------------------------------------------------------------------

_EVENT = st.builds(
    lambda minute, kind_name, page, source: SessionEvent(
        message_id=str(uuid.uuid4()),
        ts=T0 + timedelta(minutes=minute),
        kind=kind_name[0],
        name=kind_name[1],
        page=page,
        utm={"source": source} if source else {},
    ),
    st.integers(min_value=0, max_value=240),
    st.sampled_from(
        [("activity", "page_view"), ("activity", "click"), ("interaction", "like"), ("conversion", "purchase")]
    ),
    st.sampled_from(["/", "/a", "/b", None]),
    st.sampled_from([None, "news", "ads"]),
)
_EVENTS = st.lists(_EVENT, min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(_EVENTS)
def test_folding_the_same_events_twice_equals_folding_once(events: list[SessionEvent]) -> None:
    once, _, applied = fold(events)
    twice, closed_twice, reapplied = fold(events, once)
    assert applied == len(events) and reapplied == 0
    assert twice == once and closed_twice == []


@settings(max_examples=60, deadline=None)
@given(_EVENTS, st.integers(min_value=1, max_value=24))
def test_events_in_time_order_fold_the_same_in_any_number_of_requests(events: list[SessionEvent], cut: int) -> None:
    ordered = sorted(events, key=lambda e: (e.ts, e.message_id))
    whole, closed_whole, _ = fold(ordered)
    first, closed_first, _ = fold(ordered[:cut])
    rest, closed_rest, _ = fold(ordered[cut:], first)
    assert rest == whole
    assert closed_first + closed_rest == closed_whole


@settings(max_examples=60, deadline=None)
@given(_EVENTS)
def test_visits_account_for_every_event(events: list[SessionEvent]) -> None:
    state, closed, _ = fold(events)
    visits = [*closed, state]
    assert sum(v.events for v in visits) == len(events)
    assert sum(v.page_views for v in visits) == sum(e.is_page_view for e in events)
    for visit in visits:
        assert visit.duration <= TIMEOUT.total_seconds() * max(1, visit.events)
        assert visit.bounce == (visit.page_views <= 1 and visit.engagements == 0)
    for earlier, later in pairwise(visits):
        gap = datetime.fromisoformat(later.first_seen.replace("Z", "+00:00")) - datetime.fromisoformat(
            earlier.last_seen.replace("Z", "+00:00")
        )
        assert gap > TIMEOUT


# --- touches: what each raw item carries from its visit (issue 16) ---------------------------------------


def _touches(events: list[SessionEvent], state: SessionState | None = None):
    return touches(state, "s-1", events, TIMEOUT)


def test_equal_times_keep_the_request_order_whatever_the_message_ids() -> None:
    first = SessionEvent(message_id="ffff", ts=T0, kind="activity", name="page_view", page="/a", utm={"campaign": "a"})
    second = SessionEvent(message_id="0000", ts=T0, kind="activity", name="page_view", page="/b", utm={"campaign": "b"})
    state, _, _ = fold([first, second])
    assert (state.utm_campaign, state.touch_campaign, state.entry_page, state.exit_page) == ("a", "a", "/a", "/b")
    found = _touches([first, second])
    assert found["ffff"] == Touch("a", "/a", True) and found["0000"] == Touch("a", "/a", False)


def test_touch_is_the_earliest_campaign_by_event_time_not_arrival() -> None:
    late_utm = event(5, utm={"campaign": "later"})
    landing = event(0, utm={"campaign": "first"}, page="/land")
    conversion = event(9, kind="conversion", name="purchase", page=None, campaign_id="other")
    found = _touches([conversion, late_utm, landing])
    assert {t.campaign for t in found.values()} == {"first"}
    assert found[landing.message_id].visit_start and not found[late_utm.message_id].visit_start


def test_a_visit_continued_in_a_later_request_keeps_its_stored_touch() -> None:
    landing = event(0, utm={"campaign": "summer"})
    state, _, _ = fold([landing])
    later = event(3, kind="conversion", name="purchase", page=None)
    assert _touches([later], state)[later.message_id] == Touch("summer", "/", False)
    # A session stored before ``touch_campaign`` existed: its campaign fields still decide.
    legacy = dataclasses.replace(state, touch_campaign=None)
    assert first_touch(legacy) == "summer"
    assert _touches([event(4, campaign_id="other")], legacy).popitem()[1].campaign == "summer"


def test_each_visit_of_a_split_session_has_its_own_touch() -> None:
    a, b = event(0, utm={"campaign": "a"}), event(5)
    c, d = event(60, utm={"campaign": "c"}), event(61)
    found = _touches([a, b, c, d])
    assert [found[e.message_id].campaign for e in (a, b, c, d)] == ["a", "a", "c", "c"]
    assert [found[e.message_id].visit_start for e in (a, b, c, d)] == [True, False, True, False]


def test_a_retried_request_gets_the_same_touches() -> None:
    events = [event(0, page="/x"), event(1, utm={"campaign": "k"})]
    first = _touches(events)
    state, _, _ = fold(events)
    assert _touches(events, state) == first
