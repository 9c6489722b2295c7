"""DynamoDB Streams handler of the ``events`` table: raw facts → roll-ups.

Only INSERT records count: a retried ingest overwrites the same deterministic key
and DynamoDB emits no INSERT for it (a MODIFY is ignored), so each message is
counted once at the source.

Redelivery (a Lambda retry of the same records, or a resume after a partial
failure) must not count twice either. The batch is cut into deterministic chunks
(greedy maximal runs of records touching at most 32 minutes, cut from a resume
point), and each chunk is applied in one transaction with a marker keyed
by its first record's ``eventID`` (store.rollups). A chunk that was applied
before finds its marker; the handler then skips every record up to the marker's
last sequence number and continues. Resume points are always chunk starts:
Lambda restarts at the batch's first record after an error, or at the first
record we report as failed, which is the first record of the chunk that failed.
Hence the event source must run with ``BisectBatchOnFunctionError`` off and
``ParallelizationFactor`` 1 (the defaults), which docs/rollups.md records.

Attribution reads nothing: each raw item carries its visit's first-touch campaign from ingest
(``touch_campaign``, services.ingest), so no timing of this consumer against the request's
session write can change what a campaign is credited with.

Partial batch failures are reported in Powertools' ``batchItemFailures`` shape:
every record from the first chunk that could not be applied onwards (Lambda
resumes from the lowest sequence number reported).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from botocore.exceptions import ClientError

from chalicelib.config import get_settings
from chalicelib.domain import tiers
from chalicelib.domain.rollups import first_chunk_end
from chalicelib.domain.stored import EventFact, fact_of
from chalicelib.observability import flush_metrics, logger, metrics
from chalicelib.store import dynamo, rawevents
from chalicelib.store import rollups as rollup_store

MAX_ITEMS_PER_CHUNK = rollup_store.MAX_TRANSACTION_ITEMS - 2  # the marker and the compaction-state check


@dataclass(frozen=True)
class StreamItem:
    sequence_number: str
    event_id: str
    fact: EventFact | None


@dataclass
class BatchReport:
    records: int = 0
    inserts: int = 0
    chunks_applied: int = 0
    chunks_skipped: int = 0
    records_skipped: int = 0
    items_written: int = 0
    failed_from: int | None = None


def fact_from_image(image: dict[str, Any]) -> EventFact | None:
    """The roll-up slice of a raw item in DynamoDB JSON (None for items that are not raw facts)."""
    return fact_of(rawevents.decode(image))


def decode_records(raw_event: dict[str, Any]) -> tuple[list[StreamItem], dict[str, Any]]:
    """Decode every record with Powertools' batch processor (typed records, failure bookkeeping)."""
    items: list[StreamItem] = []

    def decode(record: DynamoDBRecord) -> None:
        data = record.dynamodb
        sequence = data.sequence_number if data else None
        if sequence is None:
            raise ValueError("stream record without a sequence number")
        fact = None
        if record.raw_event.get("eventName") == "INSERT" and data is not None:
            try:
                fact = fact_from_image(data.raw_event.get("NewImage") or {})
            except (ValueError, TypeError) as exc:
                # A malformed image would block the shard forever if reported; count and skip it.
                logger.warning("undecodable stream image", extra={"sequence": sequence, "reason": str(exc)})
                metrics.add_metric(name="RollupRecordsUndecodable", unit=MetricUnit.Count, value=1)
        items.append(StreamItem(sequence, str(record.event_id), fact))

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    with processor(raw_event.get("Records", []), decode):
        processor.process()
    return items, processor.response()


def apply_items(items: list[StreamItem], now: datetime | None = None) -> BatchReport:
    """Apply the batch chunk by chunk; stop at the first chunk that cannot be applied."""
    settings = get_settings()
    now = now or datetime.now(UTC)
    report = BatchReport(records=len(items), inserts=sum(1 for i in items if i.fact))
    # Minutes outlive the oldest event ingest accepts, so a late one can still rebuild its hour.
    minute_ttl = (settings.max_event_age_days + 3) * 86400
    position = 0
    while position < len(items):
        rest = items[position:]
        end = position + first_chunk_end([i.fact for i in rest], MAX_ITEMS_PER_CHUNK)
        chunk = items[position:end]
        deltas = tiers.bucket_deltas([i.fact for i in chunk if i.fact])
        if not deltas:
            position = end
            continue
        try:
            outcome = rollup_store.apply_chunk(
                chunk[0].event_id, chunk[-1].sequence_number, deltas, int(now.timestamp()), minute_ttl
            )
        except (ClientError, dynamo.StorageUnavailable) as exc:
            logger.warning("roll-up chunk failed", extra={"first": chunk[0].sequence_number, "reason": str(exc)})
            report.failed_from = position
            return report
        if outcome.applied:
            report.chunks_applied += 1
            report.items_written += outcome.items_written
            position = end
            continue
        report.chunks_skipped += 1
        covered = int(outcome.covered_until)
        while position < len(items) and int(items[position].sequence_number) <= covered:
            position += 1
            report.records_skipped += 1
    return report


def process_batch(raw_event: dict[str, Any], now: datetime | None = None) -> tuple[dict[str, Any], BatchReport]:
    """Apply one stream batch: the Lambda response ``{"batchItemFailures": [...]}`` and the batch's report."""
    items, response = decode_records(raw_event)
    report = apply_items(items, now)
    failures = list(response.get("batchItemFailures", []))
    if report.failed_from is not None:
        failures.extend({"itemIdentifier": i.sequence_number} for i in items[report.failed_from :])
    metrics.add_metric(name="RollupRecords", unit=MetricUnit.Count, value=report.records)
    metrics.add_metric(name="RollupItemsWritten", unit=MetricUnit.Count, value=report.items_written)
    if report.records_skipped:
        metrics.add_metric(name="RollupRecordsRedelivered", unit=MetricUnit.Count, value=report.records_skipped)
    flush_metrics()
    logger.info(
        "roll-up batch",
        extra={
            "records": report.records,
            "inserts": report.inserts,
            "chunks_applied": report.chunks_applied,
            "chunks_skipped": report.chunks_skipped,
            "items_written": report.items_written,
            "failed": len(failures),
        },
    )
    return {"batchItemFailures": failures}, report


def handle_stream_batch(raw_event: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Lambda entry point body: returns ``{"batchItemFailures": [...]}`` (ReportBatchItemFailures)."""
    response, _report = process_batch(raw_event, now)
    return response
