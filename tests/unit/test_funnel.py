"""Funnel results equal a brute-force reference over random event sequences (both modes, window edges)."""

from __future__ import annotations

import itertools
import statistics
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.funnel import FunnelEvent, FunnelStep, funnel_counts, group_by_unit, overall_rate, walk_unit

T0 = datetime(2024, 1, 1, tzinfo=UTC)
NAMES = [("activity", "page_view"), ("interaction", "view"), ("activity", "add_to_cart"), ("conversion", "purchase")]
WINDOW = timedelta(seconds=100)


def brute_force(events: list[FunnelEvent], steps: list[FunnelStep], window: timedelta, mode: str):
    """Every index sequence; furthest step and shortest time to each step."""
    relevant = [
        e for e in sorted(events, key=lambda e: (e.ts, e.order)) if any(s.matches(e.kind, e.name) for s in steps)
    ]
    reached, best = 0, {}
    for k in range(1, len(steps) + 1):
        if mode == "strict":
            candidates = [tuple(range(i, i + k)) for i in range(len(relevant) - k + 1)]
        else:
            candidates = itertools.combinations(range(len(relevant)), k)
        for combo in candidates:
            chosen = [relevant[i] for i in combo]
            if not all(steps[j].matches(e.kind, e.name) for j, e in enumerate(chosen)):
                continue
            span = chosen[-1].ts - chosen[0].ts
            if span > window:
                continue
            reached = max(reached, k)
            if k > 1:
                seconds = span.total_seconds()
                best[k - 1] = min(best.get(k - 1, seconds), seconds)
    return reached, best


event_strategy = st.builds(
    lambda unit, offset, name_index, order: FunnelEvent(
        unit=f"u{unit}",
        ts=T0 + timedelta(seconds=offset),
        order=f"{order:04d}",
        kind=NAMES[name_index][0],
        name=NAMES[name_index][1],
    ),
    st.integers(0, 3),
    st.sampled_from([0, 1, 50, 99, 100, 101, 150, 200, 201]),  # window edges at 100 s
    st.integers(0, len(NAMES) - 1),
    st.integers(0, 9999),
)
steps_strategy = st.lists(st.integers(0, len(NAMES) - 1), min_size=1, max_size=4).map(
    lambda idx: [FunnelStep(name=f"Step {i}", event_type=NAMES[n][1]) for i, n in enumerate(idx)]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(event_strategy, max_size=9), steps_strategy, st.sampled_from(["ordered", "strict"]))
def test_walk_matches_brute_force(events, steps, mode) -> None:
    for unit_events in group_by_unit(events).values():
        relevant = [e for e in unit_events if any(s.matches(e.kind, e.name) for s in steps)]
        result = walk_unit(relevant, steps, WINDOW, mode)
        reached, best = brute_force(unit_events, steps, WINDOW, mode)
        assert result.reached == reached
        assert result.seconds_to_step == best


@settings(max_examples=200, deadline=None)
@given(st.lists(event_strategy, max_size=9), steps_strategy, st.sampled_from(["ordered", "strict"]))
def test_counts_and_rates_match_reference(events, steps, mode) -> None:
    rows = funnel_counts(events, steps, WINDOW, mode)
    per_unit = [brute_force(unit_events, steps, WINDOW, mode) for unit_events in group_by_unit(events).values()]
    for k, row in enumerate(rows):
        expected = sum(1 for reached, _ in per_unit if reached >= k + 1)
        assert row["count"] == expected
        if k:
            assert row["dropOff"] == rows[k - 1]["count"] - row["count"]
            times = [best[k] for reached, best in per_unit if reached >= k + 1]
            assert row["medianTimeToConvert"] == (statistics.median(times) if times else None)
    if rows[0]["count"]:
        assert overall_rate(rows) == round(100 * rows[-1]["count"] / rows[0]["count"], 2)


def _e(unit: str, seconds: int, name: str, kind: str = "activity") -> FunnelEvent:
    return FunnelEvent(unit, T0 + timedelta(seconds=seconds), f"{seconds:06d}", kind, name)


def test_window_is_inclusive() -> None:
    steps = [FunnelStep("A", "a"), FunnelStep("B", "b")]
    assert walk_unit([_e("u", 0, "a"), _e("u", 100, "b")], steps, WINDOW, "ordered").reached == 2
    assert walk_unit([_e("u", 0, "a"), _e("u", 101, "b")], steps, WINDOW, "ordered").reached == 1


def test_strict_breaks_on_interleaved_step_event() -> None:
    steps = [FunnelStep("A", "a"), FunnelStep("B", "b"), FunnelStep("C", "c")]
    events = [_e("u", 0, "a"), _e("u", 1, "b"), _e("u", 2, "a"), _e("u", 3, "c")]
    assert walk_unit(events, steps, WINDOW, "ordered").reached == 3
    assert walk_unit(events, steps, WINDOW, "strict").reached == 2


def test_later_start_rescues_a_chain_out_of_window() -> None:
    steps = [FunnelStep("A", "a"), FunnelStep("B", "b")]
    events = [_e("u", 0, "a"), _e("u", 150, "a"), _e("u", 200, "b")]
    result = walk_unit(events, steps, WINDOW, "ordered")
    assert result.reached == 2
    assert result.seconds_to_step == {1: 50.0}


def test_kind_restricted_step() -> None:
    steps = [FunnelStep("View", "view", kind="interaction")]
    rows = funnel_counts([_e("u", 0, "view", "activity")], steps, WINDOW)
    assert rows[0]["count"] == 0


def test_middle_step_keeps_latest_start() -> None:
    steps = [FunnelStep("A", "a"), FunnelStep("B", "b"), FunnelStep("C", "c")]
    events = [_e("u", 0, "a"), _e("u", 10, "b"), _e("u", 150, "a"), _e("u", 160, "b"), _e("u", 200, "c")]
    result = walk_unit(events, steps, WINDOW, "ordered")
    assert result.reached == 3
    assert result.seconds_to_step == {1: 10.0, 2: 50.0}
