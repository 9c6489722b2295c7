"""Scheduled A/B results: for every running experiment, tally exposures and conversions of its
conversion type since its start, run the statistics, and store the seed's ab_testing fields plus the
full per-variant results (read back by ``GET /experiments/{id}/results``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.observability import logger
from chalicelib.services import experiments


def run(now: datetime) -> dict[str, Any]:
    updated = experiments.compute_running(now)
    report = {"job": "ab-results", "experiments": len(updated), "results": updated}
    logger.info("A/B results job finished", extra=report)
    return report
