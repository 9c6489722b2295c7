"""Time helpers: every stored time is UTC ISO 8601 with a ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Millisecond precision so lexical order equals time order in sort keys."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def day_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def days_between(start: datetime, end: datetime) -> list[str]:
    """Every UTC day (``YYYY-MM-DD``) from the one holding ``start`` to the one holding ``end``,
    both included: the day partitions a time range touches. An exclusive end passes ``end - 1 ms``."""
    days, current, last = [], start.astimezone(UTC), day_of(end)
    while day_of(current) <= last:
        days.append(day_of(current))
        current += timedelta(days=1)
    return days
