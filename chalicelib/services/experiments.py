"""Experiments: A/B tests created and stopped by admins, sticky assignment for browsers, results.

Results are computed here (tally exposures and conversions of the experiment's
conversion type since its start, run the statistics, store the seed's
ab_testing fields plus per-variant detail), both by the ``ab-results`` schedule
and on demand (``?refresh=true``, or when an experiment is stopped).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from chalicelib.domain.assignment import Variant, assign_variant, unit_key
from chalicelib.domain.clock import iso, parse_iso
from chalicelib.domain.experiments import analyse, seed_fields, tally
from chalicelib.services.errors import NotFound
from chalicelib.store import experiments as store
from chalicelib.store.models import Experiment

__all__ = ["Experiment", "assign", "compute", "create", "get", "list_experiments", "results", "stop"]


def variants_of(experiment: Experiment) -> list[Variant]:
    return [Variant(str(v["name"]), float(v["weight"])) for v in experiment.variants]


def compute(experiment: Experiment, now: datetime) -> dict[str, Any]:
    """Results as of ``now`` (or the experiment's end, if it has stopped), stored on the experiment."""
    end = min(now, parse_iso(experiment.end_date)) if experiment.end_date else now
    variants = variants_of(experiment)
    conversions = store.conversions(experiment.conversion_type, store.started_at(experiment), end)
    tallies = tally(variants, store.exposures(experiment.experiment_id), conversions)
    results = analyse(variants, tallies, experiment.metric, float(experiment.confidence), int(experiment.min_sample))
    store.save_results(experiment, seed_fields(results), results, now)
    return results


def compute_running(now: datetime) -> list[dict[str, Any]]:
    """Fresh results of every running experiment (the schedule's work)."""
    updated = []
    for experiment in store.list_all(active_only=True):
        outcome = compute(experiment, now)
        updated.append({"experimentId": experiment.experiment_id, "winner": outcome["winner"]})
    return updated


def create(fields: dict[str, Any], now: datetime) -> Experiment:
    stamp = iso(now)
    experiment = Experiment(
        experiment_id=str(uuid.uuid4()),
        created_at=stamp,
        is_active=True,
        **{**fields, "start_date": fields.get("start_date") or stamp},
    )
    store.create(experiment)
    return experiment


def get(experiment_id: str) -> Experiment:
    experiment = store.get(experiment_id) if len(experiment_id) <= 64 else None
    if experiment is None:
        raise NotFound(f"Experiment '{experiment_id[:64]}' not found")
    return experiment


def list_experiments() -> list[Experiment]:
    return store.list_all()


def stop(experiment_id: str, now: datetime) -> Experiment:
    """Stop a running experiment and store its final results as of the stop."""
    experiment = get(experiment_id)
    if experiment.is_active:
        store.stop(experiment, now)
        compute(experiment, now)
    return get(experiment_id)


def assign(experiment_id: str, user_id: str | None, session_id: str | None, now: datetime) -> dict[str, Any]:
    """The variant this user (else session) sees, the same on every call; recorded once while running."""
    experiment = get(experiment_id)
    unit = unit_key(user_id, session_id)
    variants = variants_of(experiment)
    if not experiment.is_active:
        # Stopped: everyone sees the control and nothing more is recorded.
        return {
            "experimentId": experiment_id,
            "variant": variants[0].name,
            "unit": unit,
            "active": False,
            "recorded": False,
        }
    variant, recorded = store.record_exposure(
        experiment_id,
        unit,
        assign_variant(experiment_id, unit, variants),
        user_id,
        None if user_id else session_id,
        now,
    )
    return {"experimentId": experiment_id, "variant": variant, "unit": unit, "active": True, "recorded": recorded}


def results(experiment_id: str, refresh: bool, now: datetime) -> Experiment:
    """The experiment with its last results; recomputed first when asked or never computed."""
    experiment = get(experiment_id)
    if refresh or experiment.results is None:
        compute(experiment, now)
        experiment = get(experiment_id)
    return experiment
