"""Scheduled export runner: carries every running export job on from its checkpoint."""

from __future__ import annotations

import time
from datetime import datetime

from chalicelib.observability import logger
from chalicelib.store import exports as store

BUDGET_SECONDS = 50.0


def run_pending(budget_seconds: float = BUDGET_SECONDS) -> dict[str, str]:
    """Share the budget between running jobs, oldest id first. Returns job → status."""
    deadline = time.monotonic() + budget_seconds
    outcome: dict[str, str] = {}
    for job_id in store.running_jobs():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        state = store.run_job(job_id, remaining)
        outcome[job_id] = state.status if state else "missing"
    logger.info("export runner", extra={"jobs": outcome})
    return outcome


def run(now: datetime, budget_seconds: float = BUDGET_SECONDS) -> dict[str, object]:
    """Registry entry point (local scheduler, ``cli run-job exports``)."""
    return {"at": now.isoformat(), "jobs": run_pending(budget_seconds)}
