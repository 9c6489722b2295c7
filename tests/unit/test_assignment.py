from __future__ import annotations

from collections import Counter

from chalicelib.domain.assignment import Variant, assign_variant, unit_key, unit_position

VARIANTS = [Variant("A", 50), Variant("B", 30), Variant("C", 20)]


def test_hundred_thousand_units_follow_the_weights_within_one_percent() -> None:
    counts = Counter(assign_variant("exp-checkout", f"u:user-{i}", VARIANTS) for i in range(100_000))
    assert set(counts) == {"A", "B", "C"}
    for variant in VARIANTS:
        share = counts[variant.name] / 100_000
        assert abs(share - variant.weight / 100) < 0.01, (variant.name, share)


def test_same_unit_always_gets_the_same_variant() -> None:
    first = [assign_variant("exp-1", f"s:session-{i}", VARIANTS) for i in range(2000)]
    again = [assign_variant("exp-1", f"s:session-{i}", VARIANTS) for i in range(2000)]
    assert first == again


def test_experiments_are_independent() -> None:
    same = sum(
        assign_variant("exp-1", f"u:{i}", [Variant("A", 1), Variant("B", 1)])
        == assign_variant("exp-2", f"u:{i}", [Variant("A", 1), Variant("B", 1)])
        for i in range(10_000)
    )
    assert 4700 < same < 5300


def test_positions_are_in_unit_interval_and_keys_prefer_the_user() -> None:
    assert all(0 <= unit_position("e", str(i)) < 1 for i in range(1000))
    assert unit_key("u1", "s1") == "u:u1"
    assert unit_key(None, "s1") == "s:s1"


def test_conversions_are_attributed_to_the_units_variant_after_exposure() -> None:
    from chalicelib.domain.experiments import ConversionFact, Exposure, analyse, seed_fields, tally

    variants = [Variant("A", 1), Variant("B", 1)]
    exposures = [
        Exposure("u:alice", "A", "2026-01-01T10:00:00.000Z"),
        Exposure("s:sess-bob", "B", "2026-01-01T10:00:00.000Z"),
        Exposure("u:carol", "B", "2026-01-01T12:00:00.000Z"),
    ]
    conversions = [
        ConversionFact("2026-01-01T11:00:00.000Z", 10.0, "alice", "x"),
        ConversionFact("2026-01-01T11:00:00.000Z", 5.0, None, "sess-bob"),
        ConversionFact("2026-01-01T11:30:00.000Z", 7.0, None, "sess-bob"),
        ConversionFact("2026-01-01T11:00:00.000Z", 99.0, "carol", None),  # before carol's exposure
        ConversionFact("2026-01-01T11:00:00.000Z", 50.0, "dave", None),  # never exposed
    ]
    tallies = tally(variants, exposures, conversions)
    assert [(t.name, t.participants, t.conversions, t.total_value) for t in tallies] == [
        ("A", 1, 1, 10.0),
        ("B", 2, 1, 12.0),
    ]
    results = analyse(variants, tallies, "conversion_rate", 0.95, 150)
    assert results["winner"] is None and not results["enoughSample"]
    seed = seed_fields(results)
    assert seed["variant_b_participants"] == 2 and seed["variant_b_conversion_rate"] == 50.0
