"""The scheduled jobs by name, with their rates: one list for app.py's schedules' documentation,
the CLI (``run-job``) and the local scheduler."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    module: str
    every_seconds: int
    summary: str

    def run(self, now: datetime, **options: Any) -> dict[str, Any]:
        return importlib.import_module(self.module).run(now, **options)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("rollup-compaction", "chalicelib.jobs.compaction", 60, "closed hours and days of roll-ups from minutes"),
        Job("engagement", "chalicelib.jobs.engagement", 900, "user and event engagement metrics (incremental)"),
        Job("ab-results", "chalicelib.jobs.ab_results", 900, "A/B results of running experiments"),
        Job("retention-purge", "chalicelib.jobs.purge", 86400, "delete raw items older than the retention"),
        Job("monitors", "chalicelib.jobs.monitors", 300, "API latency p95 and data-quality drop alerts"),
        Job("exports", "chalicelib.jobs.exports", 60, "carry running export jobs on from their checkpoints"),
    )
}
