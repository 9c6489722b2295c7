"""Experiments (the seed's ab_testing rows), their exposures, and the conversions they read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.domain.clock import days_between, iso, parse_iso
from chalicelib.domain.experiments import ConversionFact, Exposure
from chalicelib.store import rawevents
from chalicelib.store.models import Experiment, ExperimentAssignment


def create(experiment: Experiment) -> Experiment:
    experiment.save(condition=Experiment.experiment_id.does_not_exist())
    return experiment


def get(experiment_id: str) -> Experiment | None:
    try:
        return Experiment.get(experiment_id, consistent_read=True)
    except DoesNotExist:
        return None


def list_all(active_only: bool = False) -> list[Experiment]:
    """Every experiment, newest first, through the ``listing`` index (never a Scan)."""
    found = list(Experiment.by_listing.query("experiment", scan_index_forward=False))
    return [e for e in found if e.is_active] if active_only else found


def stop(experiment: Experiment, now: datetime) -> Experiment:
    experiment.update(actions=[Experiment.is_active.set(False), Experiment.end_date.set(iso(now))])
    return experiment


def save_results(experiment: Experiment, seed_fields: dict[str, Any], results: dict[str, Any], now: datetime) -> None:
    actions = [getattr(Experiment, name).set(value) for name, value in seed_fields.items()]
    actions += [Experiment.results.set(results), Experiment.updated_at.set(iso(now))]
    experiment.update(actions=actions)


def record_exposure(
    experiment_id: str, unit_id: str, variant: str, user_id: str | None, session_id: str | None, now: datetime
) -> tuple[str, bool]:
    """Store the unit's exposure once. Returns (variant, recorded_now); a stored variant always wins."""
    assignment = ExperimentAssignment(
        experiment_id=experiment_id,
        unit_id=unit_id,
        variant=variant,
        assigned_at=iso(now),
        user_id=user_id,
        session_id=session_id,
    )
    try:
        assignment.save(condition=ExperimentAssignment.unit_id.does_not_exist())
        return variant, True
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
    existing = ExperimentAssignment.get(experiment_id, unit_id, consistent_read=True)
    return existing.variant, False


def get_exposure(experiment_id: str, unit_id: str) -> ExperimentAssignment | None:
    try:
        return ExperimentAssignment.get(experiment_id, unit_id, consistent_read=True)
    except DoesNotExist:
        return None


def exposures(experiment_id: str) -> list[Exposure]:
    return [
        Exposure(a.unit_id, a.variant, a.assigned_at)
        for a in ExperimentAssignment.query(experiment_id, consistent_read=True)
    ]


def conversions(conversion_type: str | None, start: datetime, end: datetime) -> list[ConversionFact]:
    """Conversions (of one type, or all) with ``start <= ts < end`` from the raw day partitions."""
    facts: list[ConversionFact] = []
    for day in days_between(start, end - timedelta(milliseconds=1)):
        for pk in rawevents.partitions_of("conversion", day):
            for event in rawevents.read_partition(pk, iso(start), iso(end)):
                if conversion_type and event.name != conversion_type:
                    continue
                facts.append(
                    ConversionFact(
                        ts=event.ts,
                        value=float(event.value or 0),
                        user_id=event.user_id,
                        session_id=event.session_id,
                    )
                )
    return facts


def assignments_of_user(user_id: str) -> list[ExperimentAssignment]:
    return list(ExperimentAssignment.by_user.query(user_id))


def session_assignments(session_ids: list[str]) -> list[ExperimentAssignment]:
    """Exposures recorded for anonymous sessions: one key per (experiment, session)."""
    if not session_ids:
        return []
    keys = [(e.experiment_id, f"s:{sid}") for e in list_all() for sid in session_ids]
    found: list[ExperimentAssignment] = []
    for start in range(0, len(keys), 100):
        found += list(ExperimentAssignment.batch_get(keys[start : start + 100]))
    return found


def delete_assignments(assignments: list[ExperimentAssignment]) -> int:
    with ExperimentAssignment.batch_write() as batch:
        for assignment in assignments:
            batch.delete(assignment)
    return len(assignments)


def started_at(experiment: Experiment) -> datetime:
    return parse_iso(experiment.start_date or experiment.created_at)
