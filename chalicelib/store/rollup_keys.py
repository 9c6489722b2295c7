"""Every partition key of the shared ``rollups`` table, in one registry.

The table holds several kinds of small items beside the packed roll-up tiers
(day catalogs, daily counters, the campaign index, compaction and export state,
stream chunk markers). Each kind owns a distinct leading segment, so no two
kinds can ever share a partition; ``FAMILIES`` lists them and a unit test keeps
them distinct. A new kind of item in this table gets its key function here.
"""

from __future__ import annotations

# leading segment → what lives under it
FAMILIES: dict[str, str] = {
    "minute": "packed minute buckets, one partition per day (written by the stream handler)",
    "hour": "packed hour buckets (compaction)",
    "day": "packed day buckets (compaction)",
    "dirty": "hours marked for rebuilding after late minute writes",
    "stream": "chunk markers of stream records already applied",
    "compaction": "the compaction job's seal/compacted state and its lease",
    "catalog": "names seen per day (the raw partitions a reader may fan out over)",
    "bots_dropped": "the daily counter of crawler events refused at ingest",
    "too_old_dropped": "the daily counter of events refused at ingest for a timestamp past the allowed age",
    "future_dropped": "the daily counter of events refused at ingest for a timestamp beyond the clock skew",
    "campaigns": "the index of campaign ids",
    "exports": "the set of export jobs still running",
    "anomaly": "anomaly episodes, one partition per day of their start (jobs/anomalies.py)",
}

COMPACTION = "compaction"
DIRTY_HOURS = "dirty#hour"
CAMPAIGN_INDEX = "campaigns#index"
EXPORTS_RUNNING = "exports#running"


def minute_partition(day: str) -> str:
    """``minute#<day>``: minutes of one day (now is hot either way, history stays spread)."""
    return f"minute#{day}"


def tier_partition(granularity: str, bucket: str) -> str:
    """The partition of a bucket: ``minute#<day>``, ``hour#all`` or ``day#all``."""
    return minute_partition(bucket[:10]) if granularity == "minute" else f"{granularity}#all"


def chunk_marker(first_event_id: str) -> str:
    return f"stream#chunk#{first_event_id}"


def catalog_day(day: str) -> str:
    return f"catalog#day#{day}"


# One daily counter per ingest drop reason (services.ingest.DROP_COUNTERS maps reason → counter).
DAILY_COUNTERS = frozenset({"bots_dropped", "too_old_dropped", "future_dropped"})


def daily_counter(metric: str) -> str:
    """``<metric>#day#all``, for a registered daily counter only (its name is its family)."""
    if metric not in DAILY_COUNTERS:
        raise ValueError(f"unregistered daily counter {metric!r}: add it to store.rollup_keys")
    return f"{metric}#day#all"


def anomaly_day(day: str) -> str:
    """``anomaly#<day>``: the anomaly episodes that started on one day."""
    return f"anomaly#{day}"


def family_of(pk: str) -> str:
    """The registered family of a partition key (its leading segment)."""
    return pk.split("#", 1)[0]
