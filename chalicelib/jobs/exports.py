"""Scheduled export runner: carries every running export job on from its checkpoint."""

from __future__ import annotations

from datetime import datetime

from chalicelib.observability import logger
from chalicelib.services import exports as service

BUDGET_SECONDS = service.PENDING_BUDGET_SECONDS


def run_pending(budget_seconds: float = BUDGET_SECONDS) -> dict[str, str]:
    """Share the budget between running jobs, oldest id first. Returns job → status."""
    outcome = service.run_pending(budget_seconds)
    logger.info("export runner", extra={"jobs": outcome})
    return outcome


def run(now: datetime, max_seconds: float = BUDGET_SECONDS) -> dict[str, object]:
    """The job (``export_jobs`` schedule, ``cli run-job exports``, local scheduler).

    ``max_seconds`` (``maxSeconds`` in a scheduled event's detail) is the budget shared by the running jobs.
    """
    return {"at": now.isoformat(), "jobs": run_pending(max_seconds)}
