"""Our math-only statistics against scipy and statsmodels (dev dependencies), tolerance 1e-6."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from chalicelib.domain import stats

TOL = 1e-6


def _proportion_cases() -> list[tuple[int, int, int, int, float]]:
    rng = random.Random(20261125)
    cases = [
        (0, 500, 0, 500, 0.95),  # zero conversions everywhere
        (0, 300, 7, 310, 0.95),  # zero conversions in treatment
        (12, 1000, 0, 150, 0.99),  # zero in control, unequal split
        (5, 40, 9, 2000, 0.90),  # very unequal split
        (500, 500, 480, 500, 0.95),  # near-certain conversion
    ]
    for _ in range(25):
        n_t, n_c = rng.randint(20, 20000), rng.randint(20, 20000)
        rate = rng.uniform(0.001, 0.6)
        conv_t = sum(1 for _ in range(min(n_t, 3000)) if rng.random() < rate * rng.uniform(0.8, 1.25))
        conv_c = sum(1 for _ in range(min(n_c, 3000)) if rng.random() < rate)
        cases.append((min(conv_t, n_t), n_t, min(conv_c, n_c), n_c, rng.choice([0.9, 0.95, 0.99])))
    return cases


PROPORTION_CASES = _proportion_cases()


def test_at_least_twenty_generated_data_sets() -> None:
    assert len(PROPORTION_CASES) >= 20


@pytest.mark.parametrize(("conv_t", "n_t", "conv_c", "n_c", "confidence"), PROPORTION_CASES)
def test_proportions_match_statsmodels(conv_t: int, n_t: int, conv_c: int, n_c: int, confidence: float) -> None:
    ours = stats.compare_proportions(conv_t, n_t, conv_c, n_c, confidence)
    alpha = 1 - confidence
    with np.errstate(all="ignore"):
        z, p_value = proportions_ztest([conv_t, conv_c], [n_t, n_c])
    if conv_t + conv_c in (0, n_t + n_c):
        # No variation at all: statsmodels answers nan; we answer "undefined" (and never a winner).
        assert math.isnan(p_value)
        assert ours.p_value is None and ours.statistic is None
    else:
        assert ours.statistic == pytest.approx(z, abs=TOL)
        assert ours.p_value == pytest.approx(p_value, abs=TOL)
    low, upp = confint_proportions_2indep(conv_t, n_t, conv_c, n_c, method="newcomb", compare="diff", alpha=alpha)
    assert ours.absolute_ci == pytest.approx((low, upp), abs=TOL)
    low, upp = confint_proportions_2indep(conv_t, n_t, conv_c, n_c, method="log-adjusted", compare="ratio", alpha=alpha)
    if conv_c == 0:
        assert ours.relative_lift is None and ours.relative_ci is None  # undefined lift: no interval either
    else:
        assert ours.relative_ci == pytest.approx((low - 1, upp - 1), abs=TOL)
    assert ours.absolute_lift == pytest.approx(conv_t / n_t - conv_c / n_c, abs=1e-12)


def _value_cases() -> list[tuple[list[float], list[float], float]]:
    rng = random.Random(7)
    cases = []
    for index in range(22):
        n_t, n_c = rng.randint(2, 400), rng.randint(2, 400)
        if index % 4 == 0:
            n_c = n_t * 5 + 3  # unequal split
        conv = rng.uniform(0.02, 0.5)
        treatment = [round(rng.lognormvariate(3, 1), 2) if rng.random() < conv * 1.2 else 0.0 for _ in range(n_t)]
        control = [round(rng.lognormvariate(3, 1), 2) if rng.random() < conv else 0.0 for _ in range(n_c)]
        if index == 1:
            treatment[0] = 10.0  # at least some variance when the rest is zero
        cases.append((treatment, control, rng.choice([0.9, 0.95, 0.99])))
    return cases


@pytest.mark.parametrize(("treatment", "control", "confidence"), _value_cases())
def test_welch_matches_scipy_and_statsmodels(treatment: list[float], control: list[float], confidence: float) -> None:
    ours = stats.welch_ttest(stats.Sample.of(treatment), stats.Sample.of(control), confidence)
    if np.var(treatment) == 0 and np.var(control) == 0:
        assert ours.p_value is None
        return
    expected = sps.ttest_ind(treatment, control, equal_var=False)
    assert ours.statistic == pytest.approx(expected.statistic, abs=TOL)
    assert ours.p_value == pytest.approx(expected.pvalue, abs=TOL)
    low, upp = CompareMeans(DescrStatsW(treatment), DescrStatsW(control)).tconfint_diff(
        alpha=1 - confidence, usevar="unequal"
    )
    assert ours.absolute_ci == pytest.approx((low, upp), abs=TOL)
    if np.mean(control):
        assert ours.relative_ci == pytest.approx((low / np.mean(control), upp / np.mean(control)), abs=TOL)


def _srm_cases() -> list[tuple[list[int], list[float]]]:
    rng = random.Random(99)
    cases: list[tuple[list[int], list[float]]] = [
        ([500, 0], [50, 50]),  # one variant with no traffic
        ([0, 0, 12], [1, 1, 1]),
        ([5000, 4800], [50, 50]),
        ([1000, 310, 190], [50, 30, 20]),
    ]
    for _ in range(20):
        k = rng.randint(2, 5)
        weights = [rng.randint(1, 10) for _ in range(k)]
        observed = [rng.randint(0, 3000) for _ in range(k)]
        cases.append((observed, [float(w) for w in weights]))
    return cases


@pytest.mark.parametrize(("observed", "weights"), _srm_cases())
def test_sample_ratio_mismatch_matches_scipy(observed: list[int], weights: list[float]) -> None:
    ours = stats.sample_ratio_mismatch(observed, weights)
    total = sum(observed)
    expected = [total * w / sum(weights) for w in weights]
    reference = sps.chisquare(observed, f_exp=expected)
    assert ours.statistic == pytest.approx(reference.statistic, abs=TOL)
    assert ours.p_value == pytest.approx(reference.pvalue, abs=TOL)
    assert ours.mismatch == (min(expected) >= 8 and reference.pvalue < 0.001)


@pytest.mark.parametrize("df", [1, 2, 3.5, 7, 30, 123.4, 5000])
def test_distributions_match_scipy(df: float) -> None:
    for x in (0.0, 0.01, 0.5, 1.0, 1.96, 3.3, 8.0, 40.0):
        assert stats.t_sf(x, df) == pytest.approx(sps.t.sf(x, df), abs=1e-9)
        assert stats.t_sf(-x, df) == pytest.approx(sps.t.sf(-x, df), abs=1e-9)
        assert stats.chi2_sf(x * 3, df) == pytest.approx(sps.chi2.sf(x * 3, df), abs=1e-9)
    for q in (0.5, 0.8, 0.95, 0.975, 0.995, 0.9995):
        assert stats.t_ppf(q, df) == pytest.approx(sps.t.ppf(q, df), abs=1e-7)
    for p in (1e-10, 1e-4, 0.02, 0.3, 0.5, 0.77, 0.975, 0.99999):
        assert stats.norm_ppf(p) == pytest.approx(sps.norm.ppf(p), abs=1e-9)


def test_no_traffic_in_one_variant_gives_no_figures_and_no_winner() -> None:
    comparison = stats.compare_proportions(10, 300, 0, 0, 0.95)
    assert comparison.p_value is None and comparison.absolute_ci is None
    winner = stats.pick_winner("A", {"B": comparison}, {"A": 0, "B": 300}, 0.95, 150, False)
    assert winner is None
    assert stats.welch_ttest(stats.Sample(0, 0, 0), stats.Sample.of([1.0, 2.0]), 0.95).p_value is None


def test_winner_rule() -> None:
    strong = stats.compare_proportions(120, 1000, 60, 1000, 0.95)
    weak = stats.compare_proportions(65, 1000, 60, 1000, 0.95)
    worse = stats.compare_proportions(20, 1000, 60, 1000, 0.95)
    big = {"A": 1000, "B": 1000, "C": 1000}
    assert stats.pick_winner("A", {"B": strong}, {"A": 1000, "B": 1000}, 0.95, 150, False) == "B"
    assert stats.pick_winner("A", {"B": weak}, {"A": 1000, "B": 1000}, 0.95, 150, False) is None
    assert stats.pick_winner("A", {"B": worse}, {"A": 1000, "B": 1000}, 0.95, 150, False) == "A"
    assert stats.pick_winner("A", {"B": strong, "C": weak}, big, 0.95, 150, False) == "B"
    # Below the minimum sample, or with a sample-ratio mismatch, nobody wins.
    assert stats.pick_winner("A", {"B": strong}, {"A": 100, "B": 1000}, 0.95, 150, False) is None
    assert stats.pick_winner("A", {"B": strong}, {"A": 1000, "B": 1000}, 0.95, 150, True) is None


def test_no_relative_interval_when_the_control_never_converted() -> None:
    """The lift over a zero control rate is undefined: neither the lift nor an interval is reported."""
    comparison = stats.compare_proportions(12, 400, 0, 400, 0.95)
    assert comparison.relative_lift is None and comparison.relative_ci is None
    assert comparison.absolute_lift == pytest.approx(0.03) and comparison.absolute_ci is not None
    welch = stats.welch_ttest(stats.Sample.of([1.0, 3.0, 5.0]), stats.Sample.of([0.0, 0.0, 0.0]), 0.95)
    assert welch.relative_lift is None and welch.relative_ci is None
