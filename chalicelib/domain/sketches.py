"""Mergeable sketches (Apache DataSketches) stored as roll-up blobs.

Distinct sessions/users are HLL sketches: a bucket's sketch is merged with the
batch's values on write, and any range of buckets is merged on read, so
"distinct sessions in the last 5 minutes" or "this week" never double counts a
session that spans buckets (about 3 % error). Latency is a KLL sketch per endpoint and bucket,
merged on read for p50/p95/p99. Serialised sizes stay small while counts are
low (HLL list mode, KLL exact mode), which keeps minute items at one write unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datasketches as ds


@cache
def _ds() -> Any:
    """DataSketches pulls in numpy (≈ 130 ms): imported on first use, so the ingest functions'
    cold start never pays for it (only roll-up writes and reads merge sketches)."""
    import datasketches

    return datasketches


# Sized so a sketch item stays within one or two 1 KB write units (updates are billed by item size):
HLL_LG_K = 10  # ≈ 3.3 % relative standard error; 552 bytes at most (HLL_4)
KLL_K = 100  # ≈ 2.6 % normalised rank error; ≈ 1.3 KB when saturated


def hll_merge(blobs: Iterable[bytes | None], values: Iterable[str] = ()) -> ds.hll_sketch:
    ds = _ds()
    union = ds.hll_union(HLL_LG_K)
    for blob in blobs:
        if blob:
            union.update(ds.hll_sketch.deserialize(bytes(blob)))
    extra = ds.hll_sketch(HLL_LG_K, ds.tgt_hll_type.HLL_4)
    for value in values:
        extra.update(value)
    union.update(extra)
    return union.get_result(ds.tgt_hll_type.HLL_4)


def hll_blob(sketch: ds.hll_sketch) -> bytes:
    return bytes(sketch.serialize_compact())


def distinct_count(blobs: Iterable[bytes | None]) -> int:
    return round(hll_merge(blobs).get_estimate())


def kll_merge(blobs: Iterable[bytes | None], values: Iterable[float] = ()) -> ds.kll_floats_sketch:
    ds = _ds()
    sketch = ds.kll_floats_sketch(KLL_K)
    for blob in blobs:
        if blob:
            sketch.merge(ds.kll_floats_sketch.deserialize(bytes(blob)))
    for value in values:
        sketch.update(float(value))
    return sketch


def kll_blob(sketch: ds.kll_floats_sketch) -> bytes:
    return bytes(sketch.serialize())


def quantiles(blobs: Iterable[bytes | None], ranks: tuple[float, ...] = (0.5, 0.95, 0.99)) -> dict[float, float | None]:
    sketch = kll_merge(blobs)
    if sketch.is_empty():
        return {rank: None for rank in ranks}
    return {rank: float(sketch.get_quantile(rank)) for rank in ranks}
