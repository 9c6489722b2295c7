"""What every scheduled job shares: the moment it runs for, and its EMF flush."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.clock import parse_iso, utc_now


def scheduled_time(event: Any) -> datetime:
    """The time EventBridge scheduled this run for (``event.time``), else now.

    Using the scheduled time makes a retried invocation read the same window, and
    lets tests drive a job at any moment with a generated event.
    """
    raw = getattr(event, "time", None)
    if isinstance(raw, str) and raw:
        try:
            return parse_iso(raw)
        except ValueError:
            pass
    return utc_now()


def option(event: Any, name: str, default: Any = None) -> Any:
    """An operator override from the event's ``detail`` (e.g. a budget for a manual run)."""
    detail = getattr(event, "detail", None)
    return detail.get(name, default) if isinstance(detail, dict) else default


def run_scheduled(job: Any, event: Any) -> dict[str, Any]:
    """Run a job's ``run(now, **options)`` for a scheduled event and flush its EMF metrics.

    ``job`` is a ``registry.Job`` (app.py's schedules) or a job module. The options are the event
    detail's ``max*`` keys, camelCase to snake_case (``maxPartitions`` → ``max_partitions``).
    """
    from chalicelib.observability import flush_metrics

    options = {name: value for name, value in (getattr(event, "detail", None) or {}).items() if name.startswith("max")}
    snake = {"".join("_" + c.lower() if c.isupper() else c for c in name): value for name, value in options.items()}
    try:
        return job.run(scheduled_time(event), **snake)
    finally:
        flush_metrics()
