"""DynamoDB Streams consumer of the ``events`` table: raw facts → the event lake, exactly once.

Its own consumer of the stream (its own event source mapping), independent of roll-ups: a
failing lake never holds roll-ups back and the other way round.

Exactly once, without a catalog or a transaction:

* Only INSERT records are written. A retried ingest overwrites the same deterministic raw key
  and DynamoDB emits a MODIFY (or nothing) for it, never a second INSERT.
* One object per day the batch touches, named by the batch's first record ``eventID``
  (``store.lake.batch_object``). The batch is written whole or reported failed from its first
  record, so Lambda redelivers it from the same first record: same names, same bytes, an
  overwrite. (A redelivery that starts at the same record but carries fewer or more records
  still overwrites the same names; the records it no longer carries come in the next batch
  under other names, and any row that ends up twice in a day is dropped, by messageId, when
  compaction rewrites the day.)

pyarrow is imported here, never by the API handler's ingest path (app.py imports this module
lazily inside the stream handler).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from chalicelib.domain.lake import is_lake_fact
from chalicelib.domain.stored import StoredEvent
from chalicelib.observability import flush_metrics, logger, metrics
from chalicelib.store import lake, rawevents


@dataclass
class LakeBatchReport:
    records: int = 0
    inserts: int = 0
    rows: int = 0
    undecodable: int = 0
    keys: list[str] = field(default_factory=list)
    seconds: float = 0.0
    failed: bool = False


def lake_events(records: list[dict[str, Any]], report: LakeBatchReport) -> list[StoredEvent]:
    """The raw facts the batch inserted (MODIFY/REMOVE and non-fact items are not lake rows)."""
    events = []
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        report.inserts += 1
        image = (record.get("dynamodb") or {}).get("NewImage") or {}
        try:
            event = rawevents.decode(image)
        except (ValueError, TypeError) as exc:
            # A malformed image would block the shard forever if reported; count and skip it.
            logger.warning("undecodable stream image", extra={"event_id": record.get("eventID"), "reason": str(exc)})
            report.undecodable += 1
            continue
        if is_lake_fact(event):
            events.append(event)
    return events


def process_batch(raw_event: dict[str, Any]) -> tuple[dict[str, Any], LakeBatchReport]:
    """Write one stream batch: the Lambda response (``batchItemFailures``) and the batch's report."""
    records = list(raw_event.get("Records", []))
    report = LakeBatchReport(records=len(records))
    if not records:
        return {"batchItemFailures": []}, report
    started = time.perf_counter()
    events = lake_events(records, report)
    report.rows = len(events)
    response: dict[str, Any] = {"batchItemFailures": []}
    try:
        report.keys = lake.write_batch(str(records[0]["eventID"]), events) if events else []
    except ClientError as exc:
        # Redeliver the whole batch from its first record, so the retry reuses the same names.
        logger.warning("lake batch failed", extra={"first": records[0].get("eventID"), "reason": str(exc)})
        report.failed = True
        first = records[0]["dynamodb"]["SequenceNumber"]
        response = {"batchItemFailures": [{"itemIdentifier": first}]}
    report.seconds = time.perf_counter() - started
    metrics.add_metric(name="LakeRows", unit=MetricUnit.Count, value=report.rows)
    metrics.add_metric(name="LakeObjectsWritten", unit=MetricUnit.Count, value=len(report.keys))
    flush_metrics()
    logger.info(
        "lake batch",
        extra={"records": report.records, "rows": report.rows, "objects": len(report.keys), "failed": report.failed},
    )
    return response, report


def handle_stream_batch(raw_event: dict[str, Any]) -> dict[str, Any]:
    """Lambda entry point body: returns ``{"batchItemFailures": [...]}`` (ReportBatchItemFailures)."""
    response, _report = process_batch(raw_event)
    return response
