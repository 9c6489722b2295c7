"""Statistics of A/B results, in plain Python so the Lambda ships without scipy.

The distributions are built from ``math``: the normal from ``erfc``, Student's t
from the regularized incomplete beta function and chi-square from the
regularized incomplete gamma function (continued fractions, Lentz's method).
tests/unit/test_stats.py proves every p-value and interval equal to scipy and
statsmodels within 1e-6.

Methods (the statsmodels names): two-proportion z-test with pooled variance
(``proportions_ztest``); absolute lift interval by Newcombe's hybrid score
method and relative lift interval by the adjusted log ratio
(``confint_proportions_2indep`` defaults: both stay defined with zero
conversions); Welch's t-test and its interval for value metrics; the
sample-ratio-mismatch check is a chi-square goodness of fit of participants
against the configured weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_EPS = 1e-15
_TINY = 1e-300
_MAX_ITER = 500


# ---------------------------------------------------------------- distributions


def norm_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def norm_sf(x: float) -> float:
    return 0.5 * math.erfc(x / math.sqrt(2.0))


def _norm_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def norm_ppf(p: float) -> float:
    """Inverse normal CDF: Acklam's rational approximation polished by Newton steps on ``erfc``."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690, -30.66479806614716,
         2.506628277459239)  # fmt: skip
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572)
    c = (-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
         2.938163982698783)  # fmt: skip
    d = (0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416)
    low = 0.02425
    if p < low:
        q = math.sqrt(-2 * math.log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    elif p > 1 - low:
        q = math.sqrt(-2 * math.log(1 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
            * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        )
    for _ in range(3):
        # Work on the smaller tail so precision holds far from the centre.
        error = norm_cdf(x) - p if p < 0.5 else (1 - p) - norm_sf(x)
        x -= error / _norm_pdf(x)
    return x


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_ITER + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_sf(t: float, df: float) -> float:
    """Upper tail of Student's t."""
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


def t_ppf(q: float, df: float) -> float:
    """Quantile of Student's t for q in (0.5, 1): bisection on the upper tail (monotone, exact to 1e-12)."""
    if not 0.5 <= q < 1.0:
        raise ValueError("q must be in [0.5, 1)")
    target = 1.0 - q
    low, high = 0.0, max(1.0, 2 * norm_ppf(q))
    while t_sf(high, df) > target:
        high *= 2.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if t_sf(mid, df) > target:
            low = mid
        else:
            high = mid
        if high - low < 1e-13 * max(1.0, high):
            break
    return 0.5 * (low + high)


def gammaincc(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x)."""
    if x <= 0.0:
        return 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        ap = a
        for _ in range(_MAX_ITER):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return 1.0 - total * math.exp(log_front)
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER + 1):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = b + an / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(log_front) * h


def chi2_sf(x: float, df: float) -> float:
    return gammaincc(df / 2.0, x / 2.0)


# ---------------------------------------------------------------- tests and intervals


@dataclass(frozen=True)
class Comparison:
    """Treatment against control. ``None`` where the data cannot define the figure."""

    statistic: float | None
    p_value: float | None
    absolute_lift: float | None
    absolute_ci: tuple[float, float] | None
    relative_lift: float | None
    relative_ci: tuple[float, float] | None
    df: float | None = None


def two_proportion_ztest(conv_t: int, n_t: int, conv_c: int, n_c: int) -> tuple[float | None, float | None]:
    """Pooled-variance z-test of p_t − p_c (two-sided). Undefined without traffic or without any variation."""
    if n_t <= 0 or n_c <= 0:
        return None, None
    pooled = (conv_t + conv_c) / (n_t + n_c)
    variance = pooled * (1 - pooled) * (1 / n_t + 1 / n_c)
    if variance <= 0:
        return None, None
    z = (conv_t / n_t - conv_c / n_c) / math.sqrt(variance)
    return z, 2 * norm_sf(abs(z))


def wilson_interval(count: int, nobs: int, alpha: float) -> tuple[float, float]:
    z = norm_ppf(1 - alpha / 2)
    p = count / nobs
    denom = 1 + z * z / nobs
    centre = (p + z * z / (2 * nobs)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / nobs + z * z / (4 * nobs * nobs))
    return centre - half, centre + half


def newcombe_diff_interval(conv_t: int, n_t: int, conv_c: int, n_c: int, alpha: float) -> tuple[float, float]:
    """Interval of p_t − p_c from the two Wilson intervals (Newcombe's method 10)."""
    p_t, p_c = conv_t / n_t, conv_c / n_c
    low_t, upp_t = wilson_interval(conv_t, n_t, alpha)
    low_c, upp_c = wilson_interval(conv_c, n_c, alpha)
    diff = p_t - p_c
    return (
        diff - math.sqrt((p_t - low_t) ** 2 + (upp_c - p_c) ** 2),
        diff + math.sqrt((p_c - low_c) ** 2 + (upp_t - p_t) ** 2),
    )


def log_ratio_interval(conv_t: int, n_t: int, conv_c: int, n_c: int, alpha: float) -> tuple[float, float]:
    """Interval of p_t / p_c on the log scale with 0.5 added to each count (defined at zero conversions)."""
    ct, nt, cc, nc = conv_t + 0.5, n_t + 0.5, conv_c + 0.5, n_c + 0.5
    ratio = (ct / nt) / (cc / nc)
    half = norm_ppf(1 - alpha / 2) * math.sqrt(1 / ct - 1 / nt + 1 / cc - 1 / nc)
    return math.exp(math.log(ratio) - half), math.exp(math.log(ratio) + half)


def compare_proportions(conv_t: int, n_t: int, conv_c: int, n_c: int, confidence: float) -> Comparison:
    """Conversion-rate comparison. Relative figures are ratios minus one (0.1 = +10 %)."""
    if n_t <= 0 or n_c <= 0:
        return Comparison(None, None, None, None, None, None)
    alpha = 1 - confidence
    z, p_value = two_proportion_ztest(conv_t, n_t, conv_c, n_c)
    p_t, p_c = conv_t / n_t, conv_c / n_c
    relative_ci = None
    if p_c > 0:
        # A lift relative to a control that never converted is undefined, and so is its interval
        # (the adjusted log ratio would still produce one, from the 0.5 added to each count).
        low, upp = log_ratio_interval(conv_t, n_t, conv_c, n_c, alpha)
        relative_ci = (low - 1, upp - 1)
    return Comparison(
        statistic=z,
        p_value=p_value,
        absolute_lift=p_t - p_c,
        absolute_ci=newcombe_diff_interval(conv_t, n_t, conv_c, n_c, alpha),
        relative_lift=(p_t / p_c - 1) if p_c > 0 else None,
        relative_ci=relative_ci,
    )


@dataclass(frozen=True)
class Sample:
    """Summary of a value metric per unit (e.g. revenue per participant): enough for Welch's test."""

    n: int
    total: float
    total_squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        if self.n < 2:
            return 0.0
        return max(0.0, (self.total_squares - self.total * self.total / self.n) / (self.n - 1))

    @classmethod
    def of(cls, values: list[float]) -> Sample:
        return cls(len(values), float(sum(values)), float(sum(v * v for v in values)))


def welch_ttest(treatment: Sample, control: Sample, confidence: float) -> Comparison:
    """Welch's unequal-variance t-test of mean_t − mean_c and its interval; relative interval divides
    the absolute one by the control mean (the control mean taken as known)."""
    if treatment.n < 2 or control.n < 2:
        return Comparison(None, None, None, None, None, None)
    vt, vc = treatment.variance / treatment.n, control.variance / control.n
    diff = treatment.mean - control.mean
    relative = diff / control.mean if control.mean else None
    se = math.sqrt(vt + vc)
    if se == 0:
        return Comparison(None, None, diff, None, relative, None)
    t = diff / se
    df = (vt + vc) ** 2 / (vt * vt / (treatment.n - 1) + vc * vc / (control.n - 1))
    p_value = 2 * t_sf(abs(t), df)
    half = t_ppf(1 - (1 - confidence) / 2, df) * se
    absolute_ci = (diff - half, diff + half)
    relative_ci = (absolute_ci[0] / control.mean, absolute_ci[1] / control.mean) if control.mean else None
    return Comparison(t, p_value, diff, absolute_ci, relative, relative_ci, df)


@dataclass(frozen=True)
class SampleRatioCheck:
    statistic: float | None
    p_value: float | None
    checked: bool
    mismatch: bool


SRM_ALPHA = 0.001
SRM_MIN_EXPECTED = 8


def sample_ratio_mismatch(
    observed: list[int], weights: list[float], alpha: float = SRM_ALPHA, min_expected: float = SRM_MIN_EXPECTED
) -> SampleRatioCheck:
    """Chi-square goodness of fit of participants against the weights. Checked only once every
    variant expects at least ``min_expected`` units (the chi-square approximation needs it)."""
    total = sum(observed)
    weight_sum = sum(weights)
    if total == 0 or len(observed) < 2 or weight_sum <= 0:
        return SampleRatioCheck(None, None, False, False)
    expected = [total * w / weight_sum for w in weights]
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    p_value = chi2_sf(statistic, len(observed) - 1)
    checked = min(expected) >= min_expected
    return SampleRatioCheck(statistic, p_value, checked, checked and p_value < alpha)


def pick_winner(
    control: str,
    comparisons: dict[str, Comparison],
    participants: dict[str, int],
    confidence: float,
    min_sample: int,
    srm_mismatch: bool,
) -> str | None:
    """A winner only with enough units everywhere, no sample-ratio mismatch, and significance at the
    experiment's confidence after a Bonferroni split over the comparisons (more than two variants
    would otherwise find false winners more often than the confidence promises). The best
    significantly better variant wins; the control wins when every variant is significantly worse."""
    if srm_mismatch or not comparisons or any(participants.get(v, 0) < min_sample for v in participants):
        return None
    alpha = (1 - confidence) / len(comparisons)
    better = {
        name: c.absolute_lift
        for name, c in comparisons.items()
        if c.p_value is not None and c.p_value < alpha and (c.absolute_lift or 0) > 0
    }
    if better:
        return max(better, key=lambda name: better[name] or 0)
    worse = [
        c for c in comparisons.values() if c.p_value is not None and c.p_value < alpha and (c.absolute_lift or 0) < 0
    ]
    return control if len(worse) == len(comparisons) else None
