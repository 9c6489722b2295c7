"""Scheduled retention purge: every raw item older than the retention, across all raw data sets.

TTL is the first line (free, but DynamoDB deletes expired items only
eventually); this job is the guarantee. It walks day partitions from the
catalog (never a Scan): days wholly older than the cutoff are emptied, the
cutoff day is emptied up to the cutoff moment. Progress is checkpointed per
partition, so an interrupted run resumes where it stopped, and deleting keys
that are already gone is a no-op, so any repeat is harmless. Counts are
reported per data set (the seed's table names).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.config import get_settings
from chalicelib.domain.clock import day_of, days_between, iso, parse_iso
from chalicelib.domain.events import DATASET_KIND
from chalicelib.observability import logger, metrics
from chalicelib.store import checkpoints, rawevents

JOB = "retention-purge"
DATASET_OF_KIND = {kind: dataset for dataset, kind in DATASET_KIND.items()}


def purge_partition(pk: str, sk_before: str | None) -> int:
    events = rawevents.read_partition(pk, None, sk_before, projection="pk, sk", include_expired=True)
    return rawevents.delete_keys([(event.pk, event.sk) for event in events])


def run(now: datetime, max_partitions: int | None = None) -> dict[str, Any]:
    """Purge until done or until ``max_partitions`` partitions were handled (then the next run resumes)."""
    settings = get_settings()
    cutoff = now - timedelta(days=settings.retention_days)
    cutoff_day, cutoff_key = day_of(cutoff), iso(cutoff)
    purged_through, state = checkpoints.load(JOB)
    first_day = (
        day_of(datetime.fromisoformat(purged_through) + timedelta(days=1))
        if purged_through
        else day_of(cutoff - timedelta(days=settings.purge_lookback_days))
    )
    removed = {dataset: 0 for dataset in DATASET_KIND}
    handled = 0
    finished = True
    for day in days_between(parse_iso(first_day + "T00:00:00Z"), parse_iso(cutoff_day + "T00:00:00Z")):
        done = set(state.get("done", [])) if state.get("day") == day else set()
        whole_day = day < cutoff_day
        for kind in rawevents.RAW_KINDS:
            for pk in rawevents.partitions_of(kind, day):
                if pk in done:
                    continue
                if max_partitions is not None and handled >= max_partitions:
                    finished = False
                    break
                removed[DATASET_OF_KIND[kind]] += purge_partition(pk, None if whole_day else cutoff_key)
                handled += 1
                done.add(pk)
                checkpoints.save(JOB, purged_through, {"day": day, "done": sorted(done)})
            if not finished:
                break
        if not finished:
            break
        if whole_day:
            purged_through = day
            checkpoints.save(JOB, purged_through)
            state = {}
        else:
            # The cutoff day is re-read on every run (its later hours expire tomorrow).
            checkpoints.save(JOB, purged_through)
    total = sum(removed.values())
    report = {
        "job": JOB,
        "cutoff": cutoff_key,
        "removed": removed,
        "totalRemoved": total,
        "partitions": handled,
        "finished": finished,
        "purgedThrough": purged_through,
    }
    metrics.add_metric(name="RetentionItemsPurged", unit=MetricUnit.Count, value=total)
    logger.info("retention purge finished" if finished else "retention purge paused", extra=report)
    return report
