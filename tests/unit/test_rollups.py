"""Roll-up maths: buckets, keys, aggregation equal to a direct count, deterministic chunks, sketches."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import sketches
from chalicelib.domain.rollups import (
    MINUTE_RETENTION,
    aggregate,
    bucket_sk,
    buckets_between,
    chunk_ends,
    first_chunk_end,
    plan_range,
    rollup_pk,
    touched_keys,
)
from chalicelib.domain.stored import EventFact

NOW = datetime(2024, 1, 15, 10, 30, 27, tzinfo=UTC)


def test_bucket_keys() -> None:
    assert bucket_sk(NOW, "minute") == "2024-01-15T10:30:00Z"
    assert bucket_sk(NOW, "hour") == "2024-01-15T10:00:00Z"
    assert bucket_sk(NOW, "day") == "2024-01-15T00:00:00Z"
    assert rollup_pk("event", "hour", "a#b") == "event#hour#a%23b"
    assert len(buckets_between(NOW - timedelta(hours=1), NOW, "minute")) == 61
    plan = plan_range(timedelta(hours=24), "hour", NOW)
    assert plan.granularity == "hour" and plan.first_sk == "2024-01-14T10:00:00Z"


facts_strategy = st.lists(
    st.builds(
        EventFact,
        kind=st.sampled_from(["activity", "interaction", "conversion", "performance"]),
        name=st.sampled_from(["page_view", "like", "purchase", "/api/v1/events"]),
        ts=st.integers(0, 3 * 86400).map(lambda s: NOW - timedelta(seconds=s)),
        session_id=st.sampled_from([None, "s1", "s2"]),
        user_id=st.sampled_from([None, "u1"]),
        event_id=st.sampled_from([None, "ev1", "ev2"]),
        value=st.sampled_from([0.0, 9.99]),
        page_path=st.sampled_from([None, "/", "/events"]),
        response_time=st.sampled_from([None, 120.0]),
        status_code=st.sampled_from([None, 200, 503]),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(facts_strategy)
def test_day_counters_equal_a_direct_count(facts) -> None:
    deltas = aggregate(facts, 365, now=NOW)
    for day in {f.ts.strftime("%Y-%m-%d") for f in facts}:
        delta = deltas.get((rollup_pk("counts", "day"), f"{day}T00:00:00Z"))
        counters = delta.counters if delta else {}
        expected = Counter(
            f"{ {'activity': 'a', 'interaction': 'i', 'conversion': 'c'}[f.kind] }:{f.name}"
            for f in facts
            if f.kind != "performance" and f.ts.strftime("%Y-%m-%d") == day
        )
        assert {k: v for k, v in counters.items() if not k.startswith("v:")} == dict(expected)
    minute_items = [key for key in deltas if "#minute#" in key[0]]
    assert all(datetime.fromisoformat(sk.replace("Z", "+00:00")) >= NOW - MINUTE_RETENTION - timedelta(minutes=1)
               for _, sk in minute_items)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(facts_strategy, st.integers(3, 30))
def test_chunks_are_bounded_and_deterministic_from_any_chunk_start(facts, limit) -> None:
    ends = chunk_ends(facts, limit)
    start = 0
    for end in ends:
        touched = set().union(*(touched_keys(f) for f in facts[start:end])) if end > start else set()
        assert len(touched) <= max(limit, max((len(touched_keys(f)) for f in facts[start:end]), default=0))
        # re-cutting from this chunk's start (a redelivery resumes here) gives the same chunk
        assert start + first_chunk_end(facts[start:], limit) == end
        start = end
    assert start == len(facts)


def test_sketches_merge_without_double_counting() -> None:
    first = sketches.hll_blob(sketches.hll_merge([], [f"s{i}" for i in range(300)]))
    second = sketches.hll_blob(sketches.hll_merge([], [f"s{i}" for i in range(200, 500)]))
    # within three standard errors of the sketch's size (1.04 / sqrt(2^lg_k))
    assert abs(sketches.distinct_count([first, second]) - 500) <= 3 * 1.04 / 2 ** (sketches.HLL_LG_K / 2) * 500
    latency = sketches.kll_blob(sketches.kll_merge([], [float(i) for i in range(1, 101)]))
    assert 94 <= sketches.quantiles([latency], (0.95,))[0.95] <= 96
    assert sketches.quantiles([], (0.5,)) == {0.5: None}
