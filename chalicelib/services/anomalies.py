"""Listing stored anomaly episodes (written by the ``anomalies`` job)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.store import anomalies as store


def list_episodes(start: datetime, end: datetime, series: str | None = None) -> list[dict[str, Any]]:
    """Episodes that started in ``[start, end]``, oldest first; ``series`` keeps those whose
    series name contains it (``events:page_view``, ``hour/error_rate:/api``)."""
    found = store.between(start, end)
    if series:
        found = [e for e in found if series in e["series"]]
    return found
