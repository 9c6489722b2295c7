"""The anomaly detector on labelled real-world data: the NAB subset in ``../shared/data/nab``.

Each NAB series is fed to ``domain.anomaly.detect`` exactly as a roll-up series would be
(``(bucket start, value)`` in time order, at the series' own bucket size: 5 minutes for the
Twitter volumes, 30 minutes for the NYC taxi passengers), with the one production
configuration (``anomaly.DEFAULT``). Beside it, in the same run, a rolling 3-sigma baseline:
a bucket is anomalous when it lies more than 3 standard deviations from the mean of the
previous ``SIGMA_WINDOW`` buckets; its anomalous buckets are merged into episodes by the same
rule (``anomaly.episodes``, same merge gap and cooldown), so both are scored on the same footing.

Scoring, as in the NAB README: a detection (an episode's start) inside a labelled window is a
true positive, one per window however many fall in it; a detection outside every window is a
false positive; a window with no detection is a miss. Precision = TP / (TP + FP), recall =
TP / windows, F1 their harmonic mean; false positives per series-week = FP / (series length
in weeks). Every bucket is scored (no probationary period is left out).

Goal (issue 15): overall F1 ≥ 0.5 and above the baseline's, ≤ 1 false positive per
series-week, one configuration for all series.

    .venv/bin/python bench/bench_anomalies.py [--data ../shared/data/nab]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib.domain import anomaly  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "nab"
SIGMA_WINDOW = 288
WEEK = 7 * 86400


def parse_time(text: str) -> datetime:
    return datetime.strptime(text.split(".")[0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def load(data: Path) -> tuple[dict[str, list[tuple[datetime, float]]], dict[str, list[tuple[datetime, datetime]]]]:
    windows = json.loads((data / "labels" / "combined_windows.json").read_text())
    series = {}
    for name in sorted(windows):
        with (data / "data" / name).open() as handle:
            series[name] = [(parse_time(row["timestamp"]), float(row["value"])) for row in csv.DictReader(handle)]
    labelled = {name: [(parse_time(a), parse_time(b)) for a, b in spans] for name, spans in windows.items()}
    return series, labelled


def three_sigma(series: list[tuple[datetime, float]], config: anomaly.DetectorConfig) -> list[anomaly.Episode]:
    window: deque[float] = deque(maxlen=SIGMA_WINDOW)
    points = []
    for at, value in series:
        if len(window) >= 2:
            mean = sum(window) / len(window)
            std = math.sqrt(sum((v - mean) ** 2 for v in window) / (len(window) - 1))
            score = (value - mean) / std if std else 0.0
            flagged = len(window) >= config.warmup and abs(score) > 3
        else:
            mean, score, flagged = value, 0.0, False
        points.append(anomaly.Point(at, value, mean, score, flagged))
        window.append(value)
    return anomaly.episodes(points, config)


@dataclass
class Score:
    windows: int = 0
    tp: int = 0
    fp: int = 0
    weeks: float = 0.0

    def add(self, other: Score) -> None:
        self.windows += other.windows
        self.tp += other.tp
        self.fp += other.fp
        self.weeks += other.weeks

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.windows if self.windows else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def fp_per_week(self) -> float:
        return self.fp / self.weeks if self.weeks else 0.0

    def row(self) -> str:
        return (
            f"{self.windows:>4} {self.tp:>3} {self.fp:>3} {self.precision:>6.2f} {self.recall:>6.2f} "
            f"{self.f1:>6.2f} {self.fp_per_week:>7.2f}"
        )


def score(
    detections: list[datetime], windows: list[tuple[datetime, datetime]], series: list[tuple[datetime, float]]
) -> Score:
    hit = set()
    fp = 0
    for moment in detections:
        inside = [i for i, (a, b) in enumerate(windows) if a <= moment <= b]
        if inside:
            hit.update(inside)
        else:
            fp += 1
    weeks = (series[-1][0] - series[0][0]).total_seconds() / WEEK
    return Score(windows=len(windows), tp=len(hit), fp=fp, weeks=weeks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verbose", action="store_true", help="list each detection")
    args = parser.parse_args()
    if not (args.data / "labels" / "combined_windows.json").exists():
        print(f"SUMMARY skipped: no NAB data at {args.data}")
        return 0
    config = anomaly.DEFAULT
    series, labelled = load(args.data)
    totals = {"detector": Score(), "3-sigma": Score()}
    header = (
        f"{'series':<36} {'method':<9} {'win':>4} {'tp':>3} {'fp':>3} {'prec':>6} {'rec':>6} {'f1':>6} {'fp/wk':>7}"
    )
    print(f"configuration: {config}")
    print(header)
    started = time.perf_counter()
    for name, values in series.items():
        for method, found in (
            ("detector", anomaly.detect(values, config)),
            ("3-sigma", three_sigma(values, config)),
        ):
            result = score([e.start for e in found], labelled[name], values)
            totals[method].add(result)
            print(f"{name:<36} {method:<9} {result.row()}")
            if args.verbose:
                for episode in found:
                    inside = any(a <= episode.start <= b for a, b in labelled[name])
                    print(f"    {'TP' if inside else 'FP'} {episode.as_dict()}")
    elapsed = time.perf_counter() - started
    for method, total in totals.items():
        print(f"{'OVERALL':<36} {method:<9} {total.row()}")
    ours, base = totals["detector"], totals["3-sigma"]
    met = ours.f1 >= 0.5 and ours.f1 > base.f1 and ours.fp_per_week <= 1.0
    print(
        f"\nSUMMARY NAB overall F1 {ours.f1:.2f} (precision {ours.precision:.2f}, recall {ours.recall:.2f}, "
        f"{ours.fp_per_week:.2f} FP/series-week) vs rolling 3-sigma F1 {base.f1:.2f} "
        f"({base.fp_per_week:.2f} FP/series-week); goal F1 >= 0.5, above baseline, <= 1 FP/series-week: "
        f"{'met' if met else 'NOT met'} ({len(series)} series, {elapsed:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
