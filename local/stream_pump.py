"""Local stand-in for the Lambda event source mapping of the events table's stream.

``python -m local.stream_pump`` polls the moto server's DynamoDB stream and
hands each batch to the same function the Lambda runs
(``chalicelib.jobs.stream.process_batch``, the body of ``handle_stream_batch``;
the pump also logs the batch report it returns), shaped as Lambda shapes it:
moto's GetRecords records lack ``eventSourceARN`` and carry datetimes, so the
pump adds the ARN and converts times to epoch seconds. Like the real event
source it honours ``batchItemFailures``: it resumes at the lowest failed
sequence number (a fresh iterator AT_SEQUENCE_NUMBER) and redelivers from
there. Stops cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

Handler = Callable[[dict[str, Any]], dict[str, Any]]
log = logging.getLogger("stream_pump")


def to_lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as the Lambda event source delivers it."""
    out = dict(record)
    out["eventSourceARN"] = stream_arn
    dynamodb = dict(out.get("dynamodb") or {})
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    out["dynamodb"] = dynamodb
    return out


class StreamReader:
    """Reads every shard of a table's stream from TRIM_HORIZON, remembering positions between polls."""

    def __init__(self, dynamodb: Any, streams: Any, table_name: str, batch_size: int = 1000) -> None:
        self.streams = streams
        self.batch_size = batch_size
        self.stream_arn: str = dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self.iterators: dict[str, str | None] = {}
        self.delivered = 0
        self.redelivered = 0

    def _shards(self) -> list[str]:
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        return [shard["ShardId"] for shard in description.get("Shards", [])]

    def _iterator(self, shard_id: str, sequence: str | None = None) -> str:
        kwargs: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
        if sequence is None:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs.update(ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=sequence)
        return self.streams.get_shard_iterator(**kwargs)["ShardIterator"]

    def poll_once(self, handler: Handler) -> int:
        """One GetRecords per shard, each non-empty batch handed to ``handler``. Returns records delivered."""
        delivered = 0
        for shard_id in self._shards():
            iterator = self.iterators.get(shard_id) or self._iterator(shard_id)
            response = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = response.get("Records", [])
            self.iterators[shard_id] = response.get("NextShardIterator")
            if not records:
                continue
            event = {"Records": [to_lambda_record(r, self.stream_arn) for r in records]}
            result = handler(event) or {}
            failures = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
            delivered += len(records)
            if failures:
                lowest = min(failures, key=int)
                self.iterators[shard_id] = self._iterator(shard_id, lowest)
                self.redelivered += sum(1 for r in records if int(r["dynamodb"]["SequenceNumber"]) >= int(lowest))
        self.delivered += delivered
        return delivered

    def drain(self, handler: Handler, max_polls: int = 1000) -> int:
        """Poll until a round delivers nothing (in-process tests, bench)."""
        total = 0
        for _ in range(max_polls):
            got = self.poll_once(handler)
            total += got
            if got == 0:
                return total
        return total


def pump(process: Callable[[dict[str, Any]], tuple[dict[str, Any], Any]], name: str) -> int:
    """Poll the events table's stream forever, handing each batch to ``process`` (a consumer's
    ``process_batch``: Lambda response and report). Each consumer runs as its own pump, with its
    own shard positions, as each has its own event source mapping on AWS."""
    import boto3

    from chalicelib.config import get_settings
    from chalicelib.store.models import RawEvent

    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {name} %(message)s")
    settings = get_settings()
    endpoint = os.environ.get("DYNAMODB_ENDPOINT") or settings.dynamodb_endpoint
    dynamodb = boto3.client("dynamodb", region_name=settings.region, endpoint_url=endpoint)
    streams = boto3.client("dynamodbstreams", region_name=settings.region, endpoint_url=endpoint)
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    reader = None
    while reader is None and not stopping:
        try:
            reader = StreamReader(dynamodb, streams, RawEvent.Meta.table_name)
        except Exception as exc:  # the table may not exist yet while the stack starts
            log.info("waiting for the events table: %s", exc)
            time.sleep(1)
    last: Any = None

    def handle(event: dict[str, Any]) -> dict[str, Any]:
        nonlocal last
        response, last = process(event)
        return response

    interval = float(os.environ.get("STREAM_PUMP_INTERVAL", "1.0"))
    log.info("pumping %s", reader.stream_arn if reader else "-")
    while not stopping and reader is not None:
        try:
            got = reader.poll_once(handle)
        except Exception:
            log.exception("poll failed; retrying")
            got = 0
        if got:
            log.info("records=%d total=%d redelivered=%d last=%s", got, reader.delivered, reader.redelivered, last)
        else:
            time.sleep(interval)
    log.info("stopped after %d records", reader.delivered if reader else 0)
    return 0


def main() -> int:
    from chalicelib.jobs.stream import process_batch

    return pump(process_batch, "stream_pump")


if __name__ == "__main__":
    raise SystemExit(main())
