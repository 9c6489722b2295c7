"""The scheduled jobs: the one list app.py registers its schedules from, the CLI (``run-job``,
``list-jobs``) runs and the local scheduler drives."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# EventBridge ``rate(...)`` units, largest first; the names are Chalice's ``Rate`` constants.
RATE_UNITS = (("DAYS", 86400), ("HOURS", 3600), ("MINUTES", 60))


@dataclass(frozen=True)
class Job:
    name: str
    """The operator's name (``run-job <name>``, ``local.scheduler --only <name>``)."""
    function: str
    """The Lambda function app.py deploys the schedule as (also the handler's attribute on ``app``)."""
    module: str
    """The module whose ``run(now, **options) -> dict`` does the work."""
    every_seconds: int
    summary: str

    def __post_init__(self) -> None:
        if not self.function.isidentifier():
            raise ValueError(f"{self.name}: function name {self.function!r} is not a Python identifier")
        if self.every_seconds <= 0 or self.every_seconds % 60:
            raise ValueError(f"{self.name}: an EventBridge rate is a whole number of minutes")

    @property
    def rate(self) -> tuple[int, str]:
        """``every_seconds`` in its largest whole unit, e.g. ``(15, "MINUTES")``, ``(1, "DAYS")``."""
        for unit, seconds in RATE_UNITS:
            if self.every_seconds % seconds == 0:
                return self.every_seconds // seconds, unit
        raise AssertionError("unreachable: every_seconds is a whole number of minutes")

    def run(self, now: datetime, **options: Any) -> dict[str, Any]:
        return importlib.import_module(self.module).run(now, **options)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "rollup-compaction",
            "rollup_compaction",
            "chalicelib.jobs.compaction",
            60,
            "closed hours and days of roll-ups from minutes",
        ),
        Job(
            "engagement",
            "engagement_metrics",
            "chalicelib.jobs.engagement",
            900,
            "user and event engagement metrics (incremental)",
        ),
        Job(
            "ab-results",
            "ab_test_results",
            "chalicelib.jobs.ab_results",
            900,
            "A/B results of running experiments",
        ),
        Job(
            "retention-purge",
            "retention_purge",
            "chalicelib.jobs.purge",
            86400,
            "delete raw items older than the retention",
        ),
        Job(
            "monitors",
            "monitors",
            "chalicelib.jobs.monitors",
            300,
            "API latency p95 and data-quality drop alerts",
        ),
        Job(
            "anomalies",
            "anomaly_detection",
            "chalicelib.jobs.anomalies",
            300,
            "anomaly episodes on every minute and hour roll-up series, alerted once each",
        ),
        Job(
            "exports",
            "export_jobs",
            "chalicelib.jobs.exports",
            60,
            "carry running export jobs on from their checkpoints",
        ),
        Job(
            "lake-compaction",
            "lake_compaction",
            "chalicelib.jobs.lake_compaction",
            3600,
            "rewrite the small objects of closed lake days into one per day",
        ),
    )
}
