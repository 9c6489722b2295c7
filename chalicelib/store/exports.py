"""Export reads, export job state and their files in S3 (the job itself: services.exports).

Sources, never a table Scan on a request path:

* raw data sets: the day catalog names the partitions (``catalog.names_on``) for
  each day of the range, each read by Query; a ``userId`` filter reads the
  user's ``by_user`` index partition instead;
* campaigns: the campaign index item + BatchGetItem; ab_tests: the experiments'
  ``listing`` index; engagement tables by key (GetItem) when filtered by their key.
* unfiltered engagement exports page through those small metric tables with a
  paginated Scan. That happens only inside an export job (never inline on the
  request path), which docs/rollups.md records.

A job keeps its plan (the list of partitions) in S3 next to its output, and its
position (unit index + LastEvaluatedKey) in a ``JobCheckpoint`` item, so a job
interrupted anywhere resumes without losing or duplicating rows: output parts
are numbered by checkpoint, and a part written again after a crash overwrites
the same S3 key.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.config import get_settings
from chalicelib.domain import export_formats as fmt
from chalicelib.domain.clock import days_between, iso, parse_iso, utc_now
from chalicelib.domain.events import heatmap_page_key, partition_keys
from chalicelib.domain.stored import StoredEvent
from chalicelib.store import campaigns as campaign_store
from chalicelib.store import catalog, dynamo, rawevents, rollup_keys
from chalicelib.store.models import EventEngagement, Experiment, JobCheckpoint, Rollup, UserEngagement

RUNNING_KEY = {"pk": {"S": rollup_keys.EXPORTS_RUNNING}, "sk": {"S": "all"}}
PART_ROWS = 5000
PAGE_LIMIT = 500


@dataclass
class ExportSpec:
    data_type: str
    format: str
    filters: dict[str, Any]
    start: datetime
    end: datetime
    requested_by: str = ""


@dataclass
class Position:
    unit: int = 0
    key: dict[str, Any] | None = None


@dataclass
class Page:
    rows: list[dict[str, Any]]
    next: Position
    units_total: int
    done: bool = False


@dataclass
class JobState:
    job_id: str
    spec: ExportSpec
    status: str = "running"
    position: Position = field(default_factory=Position)
    units_total: int = 0
    rows_written: int = 0
    parts: int = 0
    created_at: str = ""
    updated_at: str = ""
    object_key: str | None = None
    error: str | None = None


# ---- planning and reading ----------------------------------------------------------------------


def _passes(row_source: dict[str, Any] | StoredEvent, filters: dict[str, tuple[str, Any]]) -> bool:
    return all(row_source.get(attribute) == value for attribute, value in filters.values())


def _raw_filters(spec: ExportSpec) -> dict[str, tuple[str, Any]]:
    out = {}
    for key, value in spec.filters.items():
        if key in fmt.RAW_FILTERS:
            out[key] = (fmt.RAW_FILTERS[key], value)
    return out


def plan_units(spec: ExportSpec) -> list[str]:
    """The partitions (or pseudo-units) an export reads, in a fixed order."""
    if spec.data_type in fmt.RAW_DATASETS:
        if spec.filters.get("userId"):
            return ["user"]
        kind = fmt.RAW_DATASETS[spec.data_type]
        wanted = spec.filters.get(fmt.NAME_FILTER[spec.data_type])
        if wanted and spec.data_type == "heatmap":
            wanted = heatmap_page_key(wanted if "://" in wanted else "https://" + wanted)
        shards = get_settings().shard_count
        units = []
        for day in days_between(spec.start, spec.end):
            for name in catalog.names_on(day, kind):
                if wanted is None or name == wanted:
                    units.extend(partition_keys(kind, name, day, shards))
        return units
    return [spec.data_type]


def needs_job(spec: ExportSpec) -> bool:
    """Unfiltered engagement exports page through a whole (small) table: job only, never inline."""
    return spec.data_type in ("user_engagement", "event_engagement") and not spec.filters


def _query_page(unit: str, spec: ExportSpec, key: dict[str, Any] | None) -> tuple[list[StoredEvent], dict | None]:
    if unit == "user":
        request = rawevents.user_request(spec.filters["userId"], spec.start, spec.end)
    else:
        request = rawevents.time_range_request(unit, spec.start, spec.end)
    request["Limit"] = PAGE_LIMIT
    if key:
        request["ExclusiveStartKey"] = key
    return rawevents.query_page(request, "Query export")


def _raw_rows(spec: ExportSpec, events: list[StoredEvent]) -> list[dict]:
    kind = fmt.RAW_DATASETS[spec.data_type]
    filters = _raw_filters(spec)
    wanted_name = spec.filters.get(fmt.NAME_FILTER[spec.data_type]) if spec.data_type != "heatmap" else None
    rows = []
    for event in events:
        if event.kind != kind or not _passes(event, filters):
            continue
        if wanted_name is not None and event.name != wanted_name:
            continue
        rows.append(fmt.raw_row(spec.data_type, event))
    return rows


def _plain(model: Any) -> dict[str, Any]:
    return {name: getattr(model, name) for name in model.get_attributes()}


def _table_page(spec: ExportSpec, key: dict[str, Any] | None) -> tuple[list[dict], dict | None]:
    filters = {k: (fmt.TABLE_FILTERS[spec.data_type][k], v) for k, v in spec.filters.items()}
    if spec.data_type == "campaigns":
        items = [_plain(record) for record in campaign_store.list_all()]
        return [fmt.table_row("campaigns", i) for i in items if _passes(i, filters)], None
    if spec.data_type == "ab_tests":
        rows = [fmt.table_row("ab_tests", _plain(e)) for e in Experiment.by_listing.query("experiment")]
        return [r for r in rows if _passes(r, filters)], None
    model = UserEngagement if spec.data_type == "user_engagement" else EventEngagement
    key_filter = spec.filters.get("userId") or spec.filters.get("eventId")
    if key_filter:
        hash_name = "user_id" if model is UserEngagement else "event_id"
        found = dynamo.batch_get(model.Meta.table_name, [{hash_name: {"S": key_filter}}])
        return [fmt.table_row(spec.data_type, _plain(model.from_raw_data(i))) for i in found], None
    params: dict[str, Any] = {"TableName": model.Meta.table_name, "Limit": PAGE_LIMIT}
    if key:
        params["ExclusiveStartKey"] = key
    # Job-only paginated read of a small metric table (see module docstring).
    response = dynamo.with_retry(lambda: dynamo.client().scan(**params), "Scan engagement export")
    rows = [fmt.table_row(spec.data_type, _plain(model.from_raw_data(i))) for i in response.get("Items", [])]
    return rows, response.get("LastEvaluatedKey")


def pages(spec: ExportSpec, units: list[str], start: Position) -> Iterator[Page]:
    """Rows page by page from ``start``; each page carries the position after it."""
    unit, key = start.unit, start.key
    while unit < len(units):
        if spec.data_type in fmt.RAW_DATASETS:
            items, next_key = _query_page(units[unit], spec, key)
            rows = _raw_rows(spec, items)
        else:
            rows, next_key = _table_page(spec, key)
        if next_key:
            key = next_key
        else:
            unit, key = unit + 1, None
        yield Page(rows, Position(unit, key), len(units), done=unit >= len(units))


# ---- S3 ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def s3() -> Any:
    """Signature V4 explicitly: presigned download links in the legacy V2 form are refused by
    buckets in newer regions and by KMS-encrypted objects."""
    settings = get_settings()
    return boto3.client(
        "s3", region_name=settings.region, endpoint_url=settings.s3_endpoint, config=Config(signature_version="s3v4")
    )


def reset_s3() -> None:
    s3.cache_clear()


def ensure_bucket() -> str:
    bucket = get_settings().export_bucket
    try:
        s3().head_bucket(Bucket=bucket)
    except ClientError:
        s3().create_bucket(Bucket=bucket)
    return bucket


def _prefix(job_id: str) -> str:
    return f"exports/{job_id}/"


def put_text(key: str, text: str, content_type: str) -> None:
    s3().put_object(Bucket=ensure_bucket(), Key=key, Body=text.encode(), ContentType=content_type)


def get_text(key: str) -> str:
    return s3().get_object(Bucket=get_settings().export_bucket, Key=key)["Body"].read().decode()


def presigned_url(key: str) -> str:
    settings = get_settings()
    return s3().generate_presigned_url(
        "get_object", Params={"Bucket": settings.export_bucket, "Key": key}, ExpiresIn=settings.export_url_ttl_seconds
    )


# ---- jobs --------------------------------------------------------------------------------------


def _job_key(job_id: str) -> str:
    return f"export#{job_id}"


def save_job(state: JobState) -> None:
    state.updated_at = iso(utc_now())
    payload = {
        "status": state.status,
        "dataType": state.spec.data_type,
        "format": state.spec.format,
        "filters": state.spec.filters,
        "startDate": iso(state.spec.start),
        "endDate": iso(state.spec.end),
        "requestedBy": state.spec.requested_by,
        "unitsTotal": state.units_total,
        "rowsWritten": state.rows_written,
        "parts": state.parts,
        "createdAt": state.created_at,
        "objectKey": state.object_key,
        "error": state.error,
    }
    JobCheckpoint(
        job=_job_key(state.job_id),
        position=json.dumps({"unit": state.position.unit, "key": state.position.key}),
        state=payload,
        updated_at=state.updated_at,
    ).save()


def load_job(job_id: str) -> JobState | None:
    try:
        record = JobCheckpoint.get(_job_key(job_id), consistent_read=True)
    except JobCheckpoint.DoesNotExist:
        return None
    data, position = record.state or {}, json.loads(record.position or "{}")
    spec = ExportSpec(
        data_type=data["dataType"],
        format=data["format"],
        filters=data.get("filters") or {},
        start=parse_iso(data["startDate"]),
        end=parse_iso(data["endDate"]),
        requested_by=data.get("requestedBy", ""),
    )
    return JobState(
        job_id=job_id,
        spec=spec,
        status=data["status"],
        position=Position(position.get("unit", 0), position.get("key")),
        units_total=data.get("unitsTotal", 0),
        rows_written=data.get("rowsWritten", 0),
        parts=data.get("parts", 0),
        created_at=data.get("createdAt", ""),
        updated_at=record.updated_at or "",
        object_key=data.get("objectKey"),
        error=data.get("error"),
    )


def _running(op: str, job_id: str) -> None:
    dynamo.with_retry(
        lambda: dynamo.client().update_item(
            TableName=Rollup.Meta.table_name,
            Key=RUNNING_KEY,
            UpdateExpression=f"{op} ids :id",
            ExpressionAttributeValues={":id": {"SS": [job_id]}},
        ),
        "UpdateItem running exports",
    )


def running_jobs() -> list[str]:
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(TableName=Rollup.Meta.table_name, Key=RUNNING_KEY, ConsistentRead=True),
        "GetItem running exports",
    )
    return sorted(response.get("Item", {}).get("ids", {}).get("SS", []))


def new_job(spec: ExportSpec, units: list[str]) -> JobState:
    """Store a new job: its plan (the units to read) beside its output, its state, its running mark."""
    job_id = str(uuid.uuid4())
    put_text(_prefix(job_id) + "plan.json", json.dumps(units), "application/json")
    state = JobState(job_id=job_id, spec=spec, units_total=len(units), created_at=iso(utc_now()))
    save_job(state)
    _running("ADD", job_id)
    return state


def load_plan(job_id: str) -> list[str]:
    return json.loads(get_text(_prefix(job_id) + "plan.json"))


def _part_key(job_id: str, number: int) -> str:
    return f"{_prefix(job_id)}part-{number:05d}"


def write_part(state: JobState, fragment: str) -> None:
    """Output part ``state.parts + 1`` (a part written again after a crash overwrites the same key)."""
    put_text(_part_key(state.job_id, state.parts + 1), fragment, "text/plain")


def read_parts(state: JobState) -> list[str]:
    return [get_text(_part_key(state.job_id, n)) for n in range(1, state.parts + 1)]


def write_file(state: JobState, text: str) -> str:
    """The finished file beside the parts; answers its key. The job is no longer running."""
    extension = "csv" if state.spec.format == "csv" else "json"
    key = f"{_prefix(state.job_id)}{state.spec.data_type}.{extension}"
    put_text(key, text, "text/csv" if extension == "csv" else "application/json")
    return key


def mark_finished(job_id: str) -> None:
    _running("DELETE", job_id)
