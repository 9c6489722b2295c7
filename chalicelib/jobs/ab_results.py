"""Scheduled A/B results: for every running experiment, tally exposures and conversions of its
conversion type since its start, run the statistics, and store the seed's ab_testing fields plus the
full per-variant results (read back by ``GET /experiments/{id}/results``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.assignment import Variant
from chalicelib.domain.clock import parse_iso
from chalicelib.domain.experiments import analyse, seed_fields, tally
from chalicelib.observability import logger
from chalicelib.store import experiments as store
from chalicelib.store.models import Experiment


def variants_of(experiment: Experiment) -> list[Variant]:
    return [Variant(str(v["name"]), float(v["weight"])) for v in experiment.variants]


def compute(experiment: Experiment, now: datetime) -> dict[str, Any]:
    """Results as of ``now`` (or the experiment's end, if it has stopped)."""
    end = min(now, parse_iso(experiment.end_date)) if experiment.end_date else now
    variants = variants_of(experiment)
    conversions = store.conversions(experiment.conversion_type, store.started_at(experiment), end)
    tallies = tally(variants, store.exposures(experiment.experiment_id), conversions)
    results = analyse(variants, tallies, experiment.metric, float(experiment.confidence), int(experiment.min_sample))
    store.save_results(experiment, seed_fields(results), results, now)
    return results


def run(now: datetime) -> dict[str, Any]:
    updated = []
    for experiment in store.list_all(active_only=True):
        results = compute(experiment, now)
        updated.append({"experimentId": experiment.experiment_id, "winner": results["winner"]})
    report = {"job": "ab-results", "experiments": len(updated), "results": updated}
    logger.info("A/B results job finished", extra=report)
    return report
