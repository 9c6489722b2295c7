"""Packed tiers: any way of cutting facts into minutes, merging minutes into hours and days,
or splitting a big bucket into parts, reads the same counts as aggregating the facts at once."""

from __future__ import annotations

from hypothesis import given, settings

from chalicelib.domain import sketches, tiers
from chalicelib.domain.rollups import aggregate, rollup_pk
from chalicelib.store import rollup_codec as codec
from tests.unit.test_rollups import NOW, facts_strategy


def _counters(view: dict) -> dict:
    return {k: v for k, v in view.items() if k not in ("hll", "kll")}


@settings(max_examples=150, deadline=None)
@given(facts_strategy)
def test_minutes_merged_into_days_equal_direct_day_aggregation(facts) -> None:
    # the stream applies facts minute by minute, in two chunks
    half = len(facts) // 2
    minutes: dict[str, tiers.Packed] = {}
    for chunk in (facts[:half], facts[half:]):
        for sk, delta in tiers.bucket_deltas(chunk).items():
            minutes[sk] = tiers.apply(minutes.get(sk, tiers.Packed()), delta)
    days = tiers.group(tiers.group(minutes, "hour"), "day")
    direct = aggregate(facts, 365, now=NOW)
    for (pk, sk), delta in direct.items():
        family, granularity, dimension = pk.split("#", 2)
        if granularity != "day":
            continue
        view = tiers.family_view(days[sk], family, dimension.replace("%23", "#"))
        assert _counters(view) == {k: round(v, 6) for k, v in delta.counters.items()}
        if delta.sketch == "hll":
            assert sketches.distinct_count([view["hll"]]) == len(delta.hll_values)
        if delta.sketch == "kll":
            assert sketches.kll_merge([view["kll"]]).n == len(delta.kll_values)


def test_encoding_round_trips_and_big_buckets_split_into_parts_that_merge_back() -> None:
    packed = tiers.Packed(
        {tiers.packed_name("event", f"s{i % 16}", f"n:event-{i}:view"): i for i in range(40_000)},
        {tiers.packed_name("sessions", "all", "hll"): sketches.hll_blob(sketches.hll_merge([], ["a", "b"]))},
    )
    assert codec.decode(codec.encode(packed)) == packed
    parts = codec.split_parts(packed, limit=60_000)
    assert len(parts) > 1
    assert all(codec.encoded_size(codec.encode(part)) <= 60_000 for part in parts)
    assert tiers.merge(parts) == packed
    assert [codec.part_sk("2024-01-15T10:00:00Z", i) for i in range(2)] == [
        "2024-01-15T10:00:00Z",
        "2024-01-15T10:00:00Z#1",
    ]
    assert codec.bucket_of_sk("2024-01-15T10:00:00Z#1") == "2024-01-15T10:00:00Z"


@settings(max_examples=50, deadline=None)
@given(facts_strategy)
def test_a_family_view_is_shaped_like_a_stand_alone_item(facts) -> None:
    delta = tiers.bucket_deltas(facts, granularity="day")
    for sk, bucket in delta.items():
        view = tiers.family_view(tiers.packed_from_delta(bucket), "counts")
        direct = aggregate([f for f in facts if f.ts.strftime("%Y-%m-%dT00:00:00Z") == sk], 365)
        expected = direct.get((rollup_pk("counts", "day"), sk))
        assert _counters(view) == (expected.counters if expected else {})
