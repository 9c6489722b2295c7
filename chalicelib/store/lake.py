"""The event lake on S3: Hive-partitioned Parquet, one object per stream batch and day.

Layout (docs/lake.md): ``s3://<lake_bucket>/<lake_prefix>day=YYYY-MM-DD/<name>.parquet``.
Object names are deterministic, which is what makes writes exactly-once without a catalog:

* ``b-<first eventID of the stream batch>.parquet``: the writer's objects. A redelivered batch
  puts the same bytes under the same names, overwriting instead of adding.
* ``compacted.parquet``: one day's rows, deduplicated by messageId and sorted. Its Parquet footer
  lists the objects it replaced (``bilten.covers``); readers skip a covered object that is still
  there, so the single PUT of the compacted object is the commit and deleting the inputs is
  mere cleanup (a crash between the two is repaired by the next run).

All S3 traffic goes through boto3 (moto intercepts it in tests; no DuckDB httpfs, nothing
downloaded at run time). pyarrow encodes and decodes Parquet in memory.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
from botocore.exceptions import ClientError

from chalicelib.config import get_settings
from chalicelib.domain.lake import COLUMNS, PARTITION_COLUMN, day_of, row_of, row_order
from chalicelib.domain.stored import StoredEvent

COMPACTED = "compacted.parquet"
COVERS_KEY = b"bilten.covers"
_ARROW = {
    "string": pa.string(),
    "json": pa.string(),
    "int64": pa.int64(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("ms", tz="UTC"),
}
FILE_SCHEMA = pa.schema([pa.field(name, _ARROW[kind]) for name, kind in COLUMNS if name != PARTITION_COLUMN])
"""What each object holds: every column but the partition (Hive keeps ``day`` in the key)."""
TABLE_SCHEMA = FILE_SCHEMA.append(pa.field(PARTITION_COLUMN, pa.string()))
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


@lru_cache(maxsize=1)
def s3() -> Any:
    settings = get_settings()
    return boto3.client("s3", region_name=settings.region, endpoint_url=settings.s3_endpoint)


def reset() -> None:
    """Forget the client (tests start moto after import)."""
    s3.cache_clear()


def ensure_bucket() -> str:
    bucket = get_settings().lake_bucket
    try:
        s3().head_bucket(Bucket=bucket)
    except ClientError:
        s3().create_bucket(Bucket=bucket)
    return bucket


def day_prefix(day: str) -> str:
    return f"{get_settings().lake_prefix}{PARTITION_COLUMN}={day}/"


def batch_object(day: str, batch_id: str) -> str:
    """The writer's object of one batch on one day (``batch_id``: the batch's first eventID)."""
    return f"{day_prefix(day)}b-{_SAFE.sub('_', batch_id)}.parquet"


def encode(rows: list[dict[str, Any]], covers: Iterable[str] = ()) -> bytes:
    """Rows as one Parquet object, in the one deterministic order (same rows → same bytes)."""
    ordered = sorted(rows, key=row_order)
    table = pa.Table.from_pylist([{k: r[k] for k in FILE_SCHEMA.names} for r in ordered], schema=FILE_SCHEMA)
    covered = sorted(covers)
    if covered:
        table = table.replace_schema_metadata({COVERS_KEY: json.dumps(covered).encode()})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def _put(key: str, body: bytes) -> None:
    s3().put_object(Bucket=get_settings().lake_bucket, Key=key, Body=body, ContentType="application/vnd.apache.parquet")


def write_batch(batch_id: str, events: Iterable[StoredEvent]) -> list[str]:
    """One object per day the batch touches, named by ``batch_id``; returns the keys written."""
    by_day: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_day.setdefault(day_of(event.ts), []).append(row_of(event))
    keys = []
    for day, rows in sorted(by_day.items()):
        key = batch_object(day, batch_id)
        _put(key, encode(rows))
        keys.append(key)
    return keys


# ---- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LakeObject:
    key: str
    size: int

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


def list_day(day: str) -> list[LakeObject]:
    """Every Parquet object of one day partition, by key."""
    paginator = s3().get_paginator("list_objects_v2")
    found = []
    for page in paginator.paginate(Bucket=get_settings().lake_bucket, Prefix=day_prefix(day)):
        found.extend(
            LakeObject(o["Key"], int(o["Size"])) for o in page.get("Contents", []) if o["Key"].endswith(".parquet")
        )
    return sorted(found, key=lambda o: o.key)


def read_object(key: str) -> pa.Table:
    body = s3().get_object(Bucket=get_settings().lake_bucket, Key=key)["Body"].read()
    return pq.read_table(io.BytesIO(body))


def covers_of(table: pa.Table) -> set[str]:
    """The object names a compacted object replaced (empty for a writer's object)."""
    metadata = table.schema.metadata or {}
    return set(json.loads(metadata[COVERS_KEY])) if COVERS_KEY in metadata else set()


@dataclass
class DayRead:
    day: str
    table: pa.Table
    objects_read: int
    bytes_read: int
    covered_present: list[str]
    """Covered objects still in the partition (a compaction that has not cleaned up yet)."""


def read_day(day: str, pool: ThreadPoolExecutor | None = None) -> DayRead:
    """One day's live rows: the compacted object (if any) and every object it does not cover."""
    objects = list_day(day)
    compacted = next((o for o in objects if o.name == COMPACTED), None)
    tables: list[pa.Table] = []
    covers: set[str] = set()
    if compacted is not None:
        first = read_object(compacted.key)
        covers = covers_of(first)
        tables.append(first.replace_schema_metadata(None))
    rest = [o for o in objects if o.name != COMPACTED and o.name not in covers]
    if pool is None:
        tables.extend(read_object(o.key) for o in rest)
    else:
        tables.extend(pool.map(lambda o: read_object(o.key), rest))
    used = ([compacted] if compacted else []) + rest
    table = pa.concat_tables(tables) if tables else FILE_SCHEMA.empty_table()
    table = table.append_column(PARTITION_COLUMN, pa.array([day] * table.num_rows, pa.string()))
    covered_present = [o.key for o in objects if o.name in covers]
    return DayRead(day, table, len(used), sum(o.size for o in used), covered_present)


def read_days(days: Iterable[str]) -> tuple[pa.Table, int]:
    """The live rows of the given days as one Arrow table, and the bytes read from S3."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        reads = [read_day(day, pool) for day in days]
    tables = [r.table for r in reads]
    table = pa.concat_tables(tables) if tables else TABLE_SCHEMA.empty_table()
    return table, sum(r.bytes_read for r in reads)


# ---- compaction ------------------------------------------------------------------------------------


@dataclass
class CompactionReport:
    day: str
    inputs: int = 0
    rows: int = 0
    duplicates_dropped: int = 0
    written: bool = False
    deleted: int = 0


def compact_day(day: str) -> CompactionReport:
    """Rewrite a day's objects into ``compacted.parquet`` (messageId-unique, sorted), then delete them.

    Idempotent: with nothing uncovered there is nothing to write; covered leftovers are deleted.
    Deterministic: the output depends only on the rows and the names it covers.
    """
    report = CompactionReport(day)
    objects = list_day(day)
    compacted = next((o for o in objects if o.name == COMPACTED), None)
    previous = read_object(compacted.key) if compacted else None
    covers = covers_of(previous) if previous is not None else set()
    fresh = [o for o in objects if o.name != COMPACTED and o.name not in covers]
    if fresh:
        tables = [read_object(o.key) for o in fresh]
        if previous is not None:
            tables.append(previous.replace_schema_metadata(None))
        rows = pa.concat_tables(tables).to_pylist()
        unique: dict[str, dict[str, Any]] = {}
        for row in sorted(rows, key=row_order):
            unique.setdefault(row["message_id"], row)
        report.inputs = len(fresh)
        report.rows = len(unique)
        report.duplicates_dropped = len(rows) - len(unique)
        # The new object covers what it read; older covered names are gone or about to be deleted.
        names = {o.name for o in fresh} | {o.name for o in objects if o.name in covers}
        _put(day_prefix(day) + COMPACTED, encode(list(unique.values()), covers=names))
        report.written = True
        covers = names
    leftovers = [o.key for o in objects if o.name != COMPACTED and o.name in covers]
    for start in range(0, len(leftovers), 1000):
        chunk = leftovers[start : start + 1000]
        s3().delete_objects(
            Bucket=get_settings().lake_bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
        )
        report.deleted += len(chunk)
    return report
