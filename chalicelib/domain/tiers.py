"""Packed roll-up tiers: every family's counters and sketches of one time bucket in one item.

DynamoDB bills a write by the size of the whole item (1 KB units), never by the
delta, so cost follows how many items a stream batch rewrites and how big they
are. One packed item per minute (written by the stream handler), hour and day
(written once by the compaction job) holds every family of docs/rollups.md:
counters under ``<family code>#<dimension>#<attribute>`` (``c#all#a:page_view``,
``e#s3#n:ev-1:like``) and sketches named the same way (``s#all#hll``,
``q#/api/v1/events#kll``). How a bucket is laid out in DynamoDB (one compressed
binary attribute of counters, parts below the item size limit) is
``store.rollup_codec``'s business.

Merging is the one operation: a stream chunk is merged into its minutes, minutes
into an hour, hours into a day, and any range of buckets on read. Counters add,
HLL and KLL sketches union. Because an hour or day item is a pure function of the
items below it, rebuilding one is idempotent, which is what makes compaction safe
to repeat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from chalicelib.domain import sketches
from chalicelib.domain.clock import parse_iso
from chalicelib.domain.events import key_name
from chalicelib.domain.rollups import (
    ItemDelta,
    attributed_campaign,
    bucket_sk,
    contribute,
    family_dimensions,
)
from chalicelib.domain.stored import EventFact

FAMILY_CODES = {
    "counts": "c",
    "perf": "p",
    "perfq": "q",
    "event": "e",
    "page": "g",
    "campaign": "m",
    "campaignq": "mq",
    "sessions": "s",
    "users": "u",
}
SKETCH_KINDS = ("hll", "kll")


def packed_name(family: str, dimension: str, attribute: str) -> str:
    return f"{FAMILY_CODES[family]}#{key_name(dimension)}#{attribute}"


def _number(value: float) -> float | int:
    rounded = round(float(value), 6)
    return int(rounded) if rounded.is_integer() else rounded


@dataclass
class Packed:
    """What one bucket holds: counters and serialised sketches by packed name."""

    counters: dict[str, float] = field(default_factory=dict)
    sketches: dict[str, bytes] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.counters or self.sketches)


@dataclass
class BucketDelta:
    """What a stream chunk adds to one minute: counters, and raw values for the sketches."""

    counters: dict[str, float] = field(default_factory=dict)
    hll: dict[str, set[str]] = field(default_factory=dict)
    kll: dict[str, list[float]] = field(default_factory=dict)


def sketch_kind(name: str) -> str:
    return name.rsplit("#", 1)[1]


def merge(items: Iterable[Packed]) -> Packed:
    """Counters add; sketches of the same name union (HLL) or merge (KLL)."""
    counters: dict[str, float] = {}
    blobs: dict[str, list[bytes]] = {}
    for item in items:
        for name, value in item.counters.items():
            counters[name] = counters.get(name, 0) + value
        for name, blob in item.sketches.items():
            blobs.setdefault(name, []).append(blob)
    merged = {}
    for name, group in blobs.items():
        merged[name] = group[0] if len(group) == 1 else _merge_blobs(sketch_kind(name), group, ())
    return Packed({k: _number(v) for k, v in counters.items()}, merged)


def _merge_blobs(kind: str, blobs: list[bytes], values: Iterable) -> bytes:
    if kind == "hll":
        return sketches.hll_blob(sketches.hll_merge(blobs, values))
    return sketches.kll_blob(sketches.kll_merge(blobs, values))


def apply(current: Packed, delta: BucketDelta) -> Packed:
    """A minute item after a chunk's delta (the stream handler's read-modify-write)."""
    counters = dict(current.counters)
    for name, amount in delta.counters.items():
        counters[name] = _number(counters.get(name, 0) + amount)
    merged = dict(current.sketches)
    for kind, values_by_name in (("hll", delta.hll), ("kll", delta.kll)):
        for name, values in values_by_name.items():
            old = [merged[name]] if name in merged else []
            merged[name] = _merge_blobs(kind, old, values)
    return Packed(counters, merged)


def family_view(packed: Packed, family: str, dimension: str = "all") -> dict:
    """One family's item inside a bucket, shaped like a stand-alone roll-up item
    (``{"a:page_view": 3, "hll": b"…"}``); empty when the bucket holds nothing of it."""
    prefix = f"{FAMILY_CODES[family]}#{key_name(dimension)}#"
    out: dict = {}
    for name, value in packed.counters.items():
        if name.startswith(prefix):
            out[name[len(prefix) :]] = value
    for name, blob in packed.sketches.items():
        if name.startswith(prefix):
            out[name[len(prefix) :]] = blob
    return out


# ---- from facts ----------------------------------------------------------------------------------


def bucket_deltas(facts: Iterable[EventFact], granularity: str = "minute") -> dict[str, BucketDelta]:
    """Fold facts into one delta per bucket (sort key), every family packed."""
    per_item: dict[tuple[str, str, str], ItemDelta] = {}
    for fact in facts:
        campaign = attributed_campaign(fact)
        sk = bucket_sk(fact.ts, granularity)
        for family, dimension in family_dimensions(fact, campaign):
            delta = per_item.setdefault((sk, family, dimension), ItemDelta())
            contribute(delta, family, fact, campaign)
    out: dict[str, BucketDelta] = {}
    for (sk, family, dimension), delta in per_item.items():
        bucket = out.setdefault(sk, BucketDelta())
        for attribute, amount in delta.counters.items():
            bucket.counters[packed_name(family, dimension, attribute)] = amount
        if delta.sketch == "hll":
            bucket.hll[packed_name(family, dimension, "hll")] = delta.hll_values
        elif delta.sketch == "kll":
            bucket.kll[packed_name(family, dimension, "kll")] = delta.kll_values
    return out


def packed_from_delta(delta: BucketDelta) -> Packed:
    return apply(Packed(), delta)


def group(buckets: dict[str, Packed], granularity: str) -> dict[str, Packed]:
    """Merge finer buckets into the coarser buckets that hold them."""
    members: dict[str, list[Packed]] = {}
    for sk, packed in buckets.items():
        members.setdefault(bucket_sk(parse_iso(sk), granularity), []).append(packed)
    return {sk: merge(items) for sk, items in members.items()}


def last_sk_within(bucket: str, granularity: str) -> str:
    """The last minute sort key inside an hour or day bucket (for inclusive range queries)."""
    span = {"minute": timedelta(0), "hour": timedelta(minutes=59), "day": timedelta(hours=23, minutes=59)}
    return bucket_sk(parse_iso(bucket) + span[granularity], "minute")
