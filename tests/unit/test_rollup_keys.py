"""The roll-ups table's partition keys: every kind of item under its own registered family."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.store import rollup_keys as keys


def test_every_key_function_lands_in_its_own_registered_family() -> None:
    made = {
        "minute": keys.minute_partition("2026-01-02"),
        "hour": keys.tier_partition("hour", "2026-01-02T03:00:00Z"),
        "day": keys.tier_partition("day", "2026-01-02T00:00:00Z"),
        "dirty": keys.DIRTY_HOURS,
        "stream": keys.chunk_marker("shardId-1:42"),
        "compaction": keys.COMPACTION,
        "catalog": keys.catalog_day("2026-01-02"),
        "bots_dropped": keys.daily_counter("bots_dropped"),
        "too_old_dropped": keys.daily_counter("too_old_dropped"),
        "future_dropped": keys.daily_counter("future_dropped"),
        "campaigns": keys.CAMPAIGN_INDEX,
        "exports": keys.EXPORTS_RUNNING,
        "anomaly": keys.anomaly_day("2026-01-02"),
    }
    assert {keys.family_of(pk): family for family, pk in made.items()} == {f: f for f in made}
    assert set(made) == set(keys.FAMILIES)
    assert keys.tier_partition("minute", "2026-01-02T03:04:00Z") == keys.minute_partition("2026-01-02")


def test_unregistered_daily_counter_is_refused() -> None:
    with pytest.raises(ValueError, match="unregistered"):
        keys.daily_counter("clicks")


def test_no_other_module_spells_a_rollups_partition_key() -> None:
    """Key prefixes of the shared table are written in rollup_keys only."""
    literal = re.compile(r"[\"'](minute|hour|day|dirty|stream|compaction|catalog|campaigns|exports|anomaly)#")

    def spells(line: str) -> bool:
        return bool(literal.search(line)) and '"""' not in line and "``" not in line

    offenders = [
        str(path)
        for path in Path("chalicelib").rglob("*.py")
        if path.name != "rollup_keys.py" and any(spells(line) for line in path.read_text().splitlines())
    ]
    assert offenders == []
