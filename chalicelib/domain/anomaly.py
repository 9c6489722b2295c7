"""Anomaly detection on one roll-up series: a seasonal robust baseline, a robust deviation
score, and episodes. Pure (no AWS); one configuration (``DEFAULT``) for every series.

Method, for each bucket ``t`` of a series of ``(bucket start, value)`` in time order, using
only buckets before ``t`` (the detector is causal: what it says of ``t`` does not change when
later buckets arrive):

0. **Transform.** Values are compared as ``√max(x, 0)`` (``transform="sqrt"``): for counts the
   square root makes Poisson-like noise about equally wide at every volume, so one threshold
   fits a series of 10 events per bucket and one of 10,000. Baselines are reported back on the
   original scale (``baseline²``).
1. **Baseline.** The *hour of week* of ``t`` (0 … 167, Monday 00:00 UTC = 0) names a seasonal
   slot. When the slot has values from at least ``min_seasonal_weeks`` distinct earlier weeks,
   the baseline is the median of the slot's values over the last ``seasonal_weeks`` weeks,
   re-levelled by the median difference between the last ``level_window`` buckets and their
   own slots' medians (so a slow trend does not read as an anomaly). Otherwise (short history:
   minute series, a new series) the baseline is the median of the last ``rolling_window``
   buckets — a robust rolling baseline.
2. **Score.** ``r = x − baseline``; the scale is ``1.4826 · MAD`` (median absolute deviation of
   the residuals of the last ``scale_window`` buckets scored with the same kind of baseline,
   seasonal or rolling — the rolling one's until the seasonal one has ``warmup`` of its own;
   1.4826 makes the MAD a consistent estimate of a normal σ), floored at ``scale_floor_fraction · |baseline|`` and at
   ``scale_floor_abs`` so that flat series do not give infinite scores. ``z = r / scale``.
   A bucket is *anomalous* when ``|z| ≥ threshold`` and the volume ``max(x, baseline)`` is at
   least ``min_volume`` (a jump from 1 to 4 events is not news), and at least ``warmup``
   buckets of history precede it.
3. **Episodes.** Anomalous buckets of the same sign at most ``merge_gap`` buckets apart form
   one episode (start, end, peak = bucket of largest ``|z|``, direction). A new episode that
   starts within ``cooldown_seconds`` of the previous episode's end is folded into it (one
   alert per incident, not one per wobble). Episodes of fewer than ``min_points`` anomalous
   buckets are dropped (one odd bucket is noise, not an incident). Direction: ``spike`` (up)
   or ``drop`` (down); ``level_shift`` when the ``level_shift_min`` buckets from the start all
   stay at least half the first jump away from their expectation re-levelled as at the
   episode's start (the series moved and stayed; the re-levelled baseline then ends it).

While a bucket is anomalous its residual does not enter the scale window (an incident does
not inflate its own yardstick), but its value does enter the seasonal slots and the rolling
window, so a lasting level shift ends as an episode once the baseline has moved to it.

Constants (``DEFAULT``): threshold 8 (in √ space), min volume 10, seasonal over 4 weeks with at
least 2 earlier weeks in the slot, level window 12 buckets, rolling fallback 60 buckets, MAD
over the last 1008 non-anomalous buckets, scale floors 5 % of the baseline and 0.3, warm-up 24
buckets, merge gap 3 buckets, cooldown one day, at least 2 anomalous buckets per episode,
level shift over 12 buckets. They were chosen once, from the synthetic tests and the NAB bench
(``bench/bench_anomalies.py``), and are the same for every series and bucket size.
"""

from __future__ import annotations

import math
from bisect import insort
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from statistics import median

MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class DetectorConfig:
    threshold: float = 8.0
    min_volume: float = 10.0
    seasonal_weeks: int = 4
    min_seasonal_weeks: int = 2
    level_window: int = 12
    rolling_window: int = 60
    scale_window: int = 1008
    scale_floor_fraction: float = 0.05
    scale_floor_abs: float = 0.3
    warmup: int = 24
    merge_gap: int = 3
    cooldown_seconds: int = 86400
    level_shift_min: int = 12
    min_points: int = 2
    transform: str = "sqrt"


DEFAULT = DetectorConfig()


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float
    baseline: float
    score: float
    anomalous: bool
    shaped: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """(value, baseline, re-levelling offset in the baseline), transformed: for classifying."""


@dataclass
class Episode:
    start: datetime
    end: datetime
    peak_at: datetime
    peak_value: float
    peak_baseline: float
    peak_score: float
    direction: str
    points: int = 1
    signs: set[int] = field(default_factory=set, repr=False)
    first_index: int = field(default=0, repr=False)
    last_index: int = field(default=0, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "peakAt": _iso(self.peak_at),
            "peakValue": round(self.peak_value, 4),
            "baseline": round(self.peak_baseline, 4),
            "score": round(self.peak_score, 2),
            "direction": self.direction,
            "points": self.points,
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hour_of_week(moment: datetime) -> int:
    moment = moment.astimezone(UTC)
    return moment.weekday() * 24 + moment.hour


def _week_index(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() - 4 * 86400) // (7 * 86400)  # weeks start on Monday


class _Window:
    """The last ``size`` values, kept sorted too so the median costs a bisect."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: deque[float] = deque()
        self.ordered: list[float] = []

    def push(self, value: float) -> None:
        self.items.append(value)
        insort(self.ordered, value)
        if len(self.items) > self.size:
            old = self.items.popleft()
            del self.ordered[_index(self.ordered, old)]

    def median(self) -> float:
        n = len(self.ordered)
        mid = n // 2
        return self.ordered[mid] if n % 2 else (self.ordered[mid - 1] + self.ordered[mid]) / 2

    def __len__(self) -> int:
        return len(self.items)


def _index(ordered: list[float], value: float) -> int:
    from bisect import bisect_left

    return bisect_left(ordered, value)


def score_series(series: list[tuple[datetime, float]], config: DetectorConfig = DEFAULT) -> list[Point]:
    """Every bucket of ``series`` (time order) with its baseline, score and verdict."""
    slots: dict[int, deque[tuple[int, float]]] = {}
    rolling = _Window(config.rolling_window)
    residuals = {True: _Window(config.scale_window), False: _Window(config.scale_window)}
    recent_levels: deque[float] = deque(maxlen=config.level_window)
    out: list[Point] = []
    shape = math.sqrt if config.transform == "sqrt" else float
    for seen, (at, raw) in enumerate(series):
        value = shape(max(raw, 0.0)) if config.transform == "sqrt" else raw
        slot_key = hour_of_week(at)
        week = _week_index(at)
        slot = slots.setdefault(slot_key, deque())
        while slot and slot[0][0] < week - config.seasonal_weeks:
            slot.popleft()
        weeks = {w for w, _ in slot if w < week}
        seasonal = median(v for _, v in slot) if len(weeks) >= config.min_seasonal_weeks else None
        offset = 0.0
        if seasonal is not None:
            offset = median(recent_levels) if recent_levels else 0.0
            baseline = seasonal + offset
        elif len(rolling):
            baseline = rolling.median()
        else:
            baseline = value
        residual = value - baseline
        own = residuals[seasonal is not None]
        yardstick = own if len(own) >= config.warmup else residuals[False]
        mad = yardstick.median() if len(yardstick) else 0.0
        scale = max(MAD_TO_SIGMA * mad, config.scale_floor_fraction * abs(baseline), config.scale_floor_abs)
        score = residual / scale
        level = baseline * baseline if config.transform == "sqrt" else baseline
        anomalous = seen >= config.warmup and abs(score) >= config.threshold and max(raw, level) >= config.min_volume
        out.append(Point(at, raw, level, score, anomalous, (value, baseline, offset)))
        if not anomalous:
            own.push(abs(residual))
        if seasonal is not None:
            recent_levels.append(value - seasonal)
        slot.append((week, value))
        rolling.push(value)
    return out


def episodes(points: list[Point], config: DetectorConfig = DEFAULT) -> list[Episode]:
    """Anomalous buckets merged into episodes (see the module docstring)."""
    found: list[Episode] = []
    last_index = -(10**9)
    current: Episode | None = None
    for index, point in enumerate(points):
        if not point.anomalous:
            continue
        sign = 1 if point.score > 0 else -1
        gap = index - last_index
        joins = current is not None and (
            (gap <= config.merge_gap and sign in current.signs)
            or (point.at - current.end).total_seconds() <= config.cooldown_seconds
        )
        if current is not None and joins:
            current.end = point.at
            current.points += 1
            current.signs.add(sign)
            if abs(point.score) > abs(current.peak_score):
                current.peak_at, current.peak_value = point.at, point.value
                current.peak_baseline, current.peak_score = point.baseline, point.score
        else:
            current = Episode(
                point.at, point.at, point.at, point.value, point.baseline, point.score, "", 1, {sign}, index
            )
            found.append(current)
        current.last_index = index
        last_index = index
    found = [e for e in found if e.points >= config.min_points]
    for episode in found:
        episode.direction = _direction(points, episode, config)
    return found


def _direction(points: list[Point], episode: Episode, config: DetectorConfig) -> str:
    """``level_shift`` when the ``level_shift_min`` buckets from the episode's start all stay at
    least half its first jump away from the baseline it started from; else ``spike``/``drop``."""
    value, baseline, offset = points[episode.first_index].shaped
    jump = value - baseline
    following = points[episode.first_index : episode.first_index + config.level_shift_min]
    if jump and len(following) == config.level_shift_min:
        sign = 1 if jump > 0 else -1
        # each bucket against its own seasonal expectation, re-levelled as at the episode's start
        if all((v - (b - o + offset)) * sign >= 0.5 * abs(jump) for v, b, o in (p.shaped for p in following)):
            return "level_shift"
    return "spike" if episode.peak_score > 0 else "drop"


def detect(series: list[tuple[datetime, float]], config: DetectorConfig = DEFAULT) -> list[Episode]:
    """The episodes of one series: ``episodes(score_series(series))``."""
    return episodes(score_series(series, config), config)


def with_overrides(**changes: float) -> DetectorConfig:
    """``DEFAULT`` with some constants changed (for experiments; production uses ``DEFAULT``)."""
    return replace(DEFAULT, **changes)  # type: ignore[arg-type]


# ---- the roll-up series the scheduled detector watches ----------------------------------------

COUNT_PREFIXES = {"a:": "events", "i:": "interactions", "c:": "conversions", "v:": "conversion_value"}
MIN_REQUESTS_FOR_RATE = 10
"""An endpoint's error rate counts in a bucket only with this many requests in it."""


def rollup_series(
    buckets: list[str],
    counts: list[dict],
    perf: list[dict],
    p95: dict[str, dict[str, float | None]],
    sessions: dict[str, float],
) -> dict[str, list[tuple[datetime, float]]]:
    """Roll-up items of one granularity → every watched series, keyed ``<metric>:<name>``.

    ``buckets`` are every bucket start of the range in order: count series are dense (a bucket
    without the counter counted 0), ``sessions`` too (distinct sessions per bucket); error rate
    (percent of requests, ``error_rate:<endpoint>``) and ``p95_ms:<endpoint>`` only have the
    buckets the endpoint was measured in.
    """
    at = {sk: datetime.fromisoformat(sk.replace("Z", "+00:00")) for sk in buckets}
    dense: dict[str, dict[str, float]] = {}
    for item in counts:
        for attribute, value in item.items():
            prefix = attribute[:2]
            if prefix in COUNT_PREFIXES:
                dense.setdefault(f"{COUNT_PREFIXES[prefix]}:{attribute[2:]}", {})[item["sk"]] = float(value)
    dense["sessions"] = {sk: float(v) for sk, v in sessions.items()}
    out = {name: [(at[sk], by_sk.get(sk, 0.0)) for sk in buckets] for name, by_sk in dense.items() if by_sk}
    rates: dict[str, list[tuple[datetime, float]]] = {}
    for item in sorted(perf, key=lambda i: i["sk"]):
        if item["sk"] not in at:
            continue
        for attribute, requests in item.items():
            if attribute.startswith("n:") and requests >= MIN_REQUESTS_FOR_RATE:
                endpoint = attribute[2:]
                errors = float(item.get(f"err:{endpoint}", 0))
                rates.setdefault(f"error_rate:{endpoint}", []).append((at[item["sk"]], 100.0 * errors / requests))
    out.update(rates)
    for endpoint, by_sk in p95.items():
        points = [(at[sk], float(v)) for sk, v in sorted(by_sk.items()) if v is not None and sk in at]
        if points:
            out[f"p95_ms:{endpoint}"] = points
    return out
