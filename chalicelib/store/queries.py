"""Reads of raw partitions and indexes, with a meter of the items they return.

Every read here is a Query on a known partition key (a day/shard partition of a
name, a user's or session's index partition); nothing scans. The meter counts
items DynamoDB returned so tests and the bench can show that a read's cost
follows the range asked for, not the size of the table.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute

from chalicelib.config import get_settings
from chalicelib.domain.clock import day_of, iso
from chalicelib.domain.events import partition_keys
from chalicelib.store import catalog, dynamo
from chalicelib.store.models import RawEvent


class ReadMeter(threading.local):
    def __init__(self) -> None:
        self.items = 0
        self.queries = 0


meter = ReadMeter()


@contextmanager
def metered() -> Iterator[ReadMeter]:
    """Count items read inside the block (per thread)."""
    before_items, before_queries = meter.items, meter.queries
    result = ReadMeter()
    try:
        yield result
    finally:
        result.items = meter.items - before_items
        result.queries = meter.queries - before_queries


def is_live(item: dict[str, Any], now_epoch: float) -> bool:
    """TTL deletes expired items days late; readers act as if they were already gone."""
    raw = item.get("expires_at")
    return not (raw and "N" in raw and float(raw["N"]) <= now_epoch)


def query_all(what: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Paginated Query; yields raw DynamoDB items that have not expired."""
    now_epoch = time.time()
    start_key = None
    while True:
        params = dict(kwargs)
        if start_key:
            params["ExclusiveStartKey"] = start_key
        response = dynamo.with_retry(lambda params=params: dynamo.client().query(**params), what)
        meter.items += response.get("ScannedCount", response.get("Count", 0))
        meter.queries += 1
        yield from (item for item in response.get("Items", []) if is_live(item, now_epoch))
        start_key = response.get("LastEvaluatedKey")
        if not start_key:
            return


def days_between(start: datetime, end: datetime) -> list[str]:
    days, current = [], start
    while day_of(current) <= day_of(end):
        days.append(day_of(current))
        current += timedelta(days=1)
    return days


_NUMBERS = {name for name, attr in RawEvent.get_attributes().items() if isinstance(attr, NumberAttribute)}


def decode_event(item: dict[str, Any]) -> dict[str, Any]:
    """A raw item as plain Python (snake_case attribute names, numbers as int/float)."""
    model = RawEvent.from_raw_data(item)
    out: dict[str, Any] = {}
    for name, attr in RawEvent.get_attributes().items():
        value = getattr(model, name, None)
        if value is None:
            continue
        if isinstance(attr, TTLAttribute):
            value = int(value.timestamp())
        elif name in _NUMBERS and float(value).is_integer():
            value = int(value)
        out[name] = value
    return out


def events_in_partitions(pks: list[str], start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    """Raw items of the given partitions with ``start <= ts <= end``."""
    low, high = iso(start), iso(end) + "\uffff"
    for pk in pks:
        yield from query_all(
            "Query events",
            TableName=RawEvent.Meta.table_name,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :lo AND :hi",
            ExpressionAttributeValues={":pk": {"S": pk}, ":lo": {"S": low}, ":hi": {"S": high}},
        )


def events_of_name(kind: str, name: str, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    """Every stored event of one name in the range: its day partitions × shards, nothing else."""
    shards = get_settings().shard_count
    for day in days_between(start, end):
        yield from events_in_partitions(partition_keys(kind, name, day, shards), start, end)


def events_of_kind(kind: str, start: datetime, end: datetime, names: list[str] | None = None) -> Iterator[dict]:
    """Every event of a kind in the range, partitions found through the day catalog."""
    shards = get_settings().shard_count
    for day in days_between(start, end):
        for name in catalog.names_on(day, kind):
            if names is not None and name not in names:
                continue
            yield from events_in_partitions(partition_keys(kind, name, day, shards), start, end)


def events_of_user(user_id: str, start: datetime | None = None, end: datetime | None = None) -> Iterator[dict]:
    """A signed-in user's events in time order, through the sparse ``by_user`` index."""
    params: dict[str, Any] = {
        "TableName": RawEvent.Meta.table_name,
        "IndexName": "by_user",
        "KeyConditionExpression": "user_id = :u",
        "ExpressionAttributeValues": {":u": {"S": user_id}},
    }
    if start is not None or end is not None:
        low = iso(start) if start else "0"
        high = (iso(end) if end else "9") + "\uffff"
        params["KeyConditionExpression"] += " AND sk BETWEEN :lo AND :hi"
        params["ExpressionAttributeValues"].update({":lo": {"S": low}, ":hi": {"S": high}})
    yield from query_all("Query by_user", **params)


def event_keys_of_anonymous_session(session_id: str) -> Iterator[dict[str, Any]]:
    """Keys of an anonymous session's events (the ``by_session`` index projects keys only)."""
    yield from query_all(
        "Query by_session",
        TableName=RawEvent.Meta.table_name,
        IndexName="by_session",
        KeyConditionExpression="anon_session_id = :s",
        ExpressionAttributeValues={":s": {"S": session_id}},
    )
