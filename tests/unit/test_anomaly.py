"""The anomaly detector on synthetic series with injected spikes, drops and level shifts whose
answers are known (domain/anomaly.py documents the method)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import anomaly

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)


def seasonal(weeks: int = 4, level: float = 300, noise: float = 0.03, seed: int = 1) -> list[tuple[datetime, float]]:
    """Hourly counts with a daily and a weekly rhythm and multiplicative gaussian noise."""
    rng = random.Random(seed)
    out = []
    for i in range(weeks * 7 * 24):
        at = START + i * HOUR
        shape = 1 + 0.5 * math.sin(2 * math.pi * at.hour / 24) - (0.3 if at.weekday() >= 5 else 0)
        out.append((at, round(level * shape * (1 + rng.gauss(0, noise)))))
    return out


def scaled(series: list[tuple[datetime, float]], first: int, last: int, factor: float) -> list[tuple[datetime, float]]:
    return [(at, v * factor if first <= i < last else v) for i, (at, v) in enumerate(series)]


def test_a_quiet_seasonal_series_has_no_episode() -> None:
    for seed in range(5):
        assert anomaly.detect(seasonal(seed=seed)) == []


def test_an_injected_spike_is_one_episode_at_its_start() -> None:
    series = scaled(seasonal(), 500, 503, 4)
    (episode,) = anomaly.detect(series)
    assert episode.start == series[500][0] and episode.end == series[502][0]
    assert episode.direction == "spike" and episode.peak_score > anomaly.DEFAULT.threshold
    assert episode.points == 3


def test_an_injected_drop_is_one_drop_episode() -> None:
    series = scaled(seasonal(), 560, 564, 0.15)
    (episode,) = anomaly.detect(series)
    assert episode.start == series[560][0] and episode.direction == "drop" and episode.peak_score < 0


def test_a_level_shift_is_one_level_shift_episode_then_the_baseline_follows() -> None:
    series = scaled(seasonal(), 520, 10**9, 3)
    (episode,) = anomaly.detect(series)
    assert episode.start == series[520][0] and episode.direction == "level_shift"
    # the baseline moved to the new level: the shift ends as an episode within a day
    assert episode.end - episode.start < timedelta(hours=24)


def test_a_single_odd_bucket_is_not_an_episode() -> None:
    assert anomaly.detect(scaled(seasonal(), 500, 501, 4)) == []


def test_below_the_minimum_volume_nothing_is_news() -> None:
    quiet = [(at, 1.0 if i % 7 else 2.0) for i, (at, _) in enumerate(seasonal())]
    assert anomaly.detect(scaled(quiet, 400, 404, 4)) == []  # 4 → 8 events: below 10
    assert len(anomaly.detect(scaled(quiet, 400, 404, 30))) == 1


def test_cooldown_folds_a_second_burst_into_the_same_episode() -> None:
    close = scaled(scaled(seasonal(), 500, 503, 4), 508, 511, 4)
    (episode,) = anomaly.detect(close)
    assert episode.start == close[500][0] and episode.end == close[510][0]
    apart = scaled(scaled(seasonal(), 500, 503, 4), 560, 563, 4)
    assert [e.start for e in anomaly.detect(apart)] == [apart[500][0], apart[560][0]]


def test_short_history_falls_back_to_the_rolling_baseline() -> None:
    minutes = [(START + timedelta(minutes=i), 50.0 + (i % 3)) for i in range(300)]
    series = scaled(minutes, 200, 203, 5)
    (episode,) = anomaly.detect(series)
    assert episode.start == series[200][0] and episode.direction == "spike"
    assert 49 <= episode.peak_baseline <= 53


def test_the_detector_is_causal() -> None:
    series = scaled(seasonal(), 500, 503, 4)
    full = anomaly.score_series(series)
    prefix = anomaly.score_series(series[:502])
    assert prefix == full[:502]


@settings(max_examples=25, deadline=None)
@given(
    at=st.integers(min_value=15 * 24 + 5, max_value=28 * 24 - 30),
    factor=st.sampled_from([0.1, 0.2, 3.0, 4.0, 8.0]),
    width=st.integers(min_value=2, max_value=5),
    seed=st.integers(min_value=0, max_value=10**6),
)
def test_any_injected_spike_or_drop_is_found_exactly_once(at: int, factor: float, width: int, seed: int) -> None:
    """Once the seasonal baseline has a day of its own residuals (two weeks and a day of history)."""
    series = scaled(seasonal(seed=seed), at, at + width, factor)
    found = anomaly.detect(series)
    assert [e.start for e in found] == [series[at][0]]
    assert found[0].direction == ("spike" if factor > 1 else "drop")


def test_rollup_series_are_dense_for_counts_and_sparse_for_rates() -> None:
    buckets = ["2026-01-05T00:00:00Z", "2026-01-05T01:00:00Z", "2026-01-05T02:00:00Z"]
    counts = [{"sk": buckets[0], "a:page_view": 5, "c:purchase": 1, "v:purchase": 20.5}]
    perf = [{"sk": buckets[1], "n:/api": 20, "err:/api": 5, "ms:/api": 100}, {"sk": buckets[2], "n:/api": 3}]
    out = anomaly.rollup_series(buckets, counts, perf, {"/api": {buckets[1]: 250.0}}, {buckets[2]: 4.0})
    at = [datetime.fromisoformat(b.replace("Z", "+00:00")) for b in buckets]
    assert out["events:page_view"] == [(at[0], 5.0), (at[1], 0.0), (at[2], 0.0)]
    assert out["conversions:purchase"][0] == (at[0], 1.0)
    assert out["conversion_value:purchase"][0] == (at[0], 20.5)
    assert out["error_rate:/api"] == [(at[1], 25.0)]  # 3 requests: too few for a rate
    assert out["p95_ms:/api"] == [(at[1], 250.0)]
    assert out["sessions"] == [(at[0], 0.0), (at[1], 0.0), (at[2], 4.0)]
