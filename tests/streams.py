"""Drain moto's in-process DynamoDB stream of the events table into a consumer (roll-ups by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from chalicelib.jobs.stream import process_batch
from chalicelib.store.models import RawEvent
from local.stream_pump import StreamReader


class StreamDrainer:
    """Keeps shard positions, so each ``drain`` delivers only records added since the last one.

    ``batches`` keeps every Lambda-shaped event delivered, so a test can redeliver one; ``responses``
    and ``reports`` what the handler answered and reported for each.
    """

    def __init__(
        self, batch_size: int = 1000, process: Callable[[dict[str, Any]], tuple[dict[str, Any], Any]] = process_batch
    ) -> None:
        self.process = process
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        self.reader = StreamReader(dynamodb, streams, RawEvent.Meta.table_name, batch_size)
        self.batches: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.reports: list[Any] = []  # BatchReport for roll-ups

    def _handle(self, event: dict[str, Any]) -> dict[str, Any]:
        self.batches.append(event)
        response, report = self.process(event)
        self.responses.append(response)
        self.reports.append(report)
        return response

    def drain(self) -> int:
        return self.reader.drain(self._handle)
