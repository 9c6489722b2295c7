"""Reads of the raw ``events`` table: the one decoder of a raw item and the one partition reader.

Every read here is a Query on a known partition key (a day/shard partition of a
name found through the day catalog, a user's or an anonymous session's index
partition); nothing scans. Every read goes through ``dynamo.query_pages``, so it
is retried and metered alike. One expiry rule (``dynamo.is_live``): TTL deletes expired
items days late, so readers act as if they were already gone; only the purge
asks for them (``include_expired``) because deleting them is its job.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute

from chalicelib.config import get_settings
from chalicelib.domain.clock import days_between, iso
from chalicelib.domain.events import partition_keys
from chalicelib.domain.stored import ATTRIBUTE_NAMES, StoredEvent
from chalicelib.store import catalog, dynamo
from chalicelib.store.models import RawEvent

RAW_KINDS = ("activity", "interaction", "conversion", "performance", "heatmap")
TABLE = RawEvent.Meta.table_name

_ATTRIBUTES = RawEvent.get_attributes()
_NUMBERS = frozenset(name for name, attr in _ATTRIBUTES.items() if isinstance(attr, NumberAttribute | TTLAttribute))
_JSON = frozenset(name for name, attr in _ATTRIBUTES.items() if isinstance(attr, JSONAttribute))
_KNOWN = frozenset(ATTRIBUTE_NAMES)
if frozenset(_ATTRIBUTES) != _KNOWN:  # the read model and the table model must not drift apart
    raise RuntimeError(f"StoredEvent and RawEvent differ: {sorted(_KNOWN ^ frozenset(_ATTRIBUTES))}")


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def decode(item: dict[str, Any]) -> StoredEvent:
    """A raw item (low-level DynamoDB JSON, from a Query or a stream image) as a ``StoredEvent``."""
    values: dict[str, Any] = {}
    for name, typed in item.items():
        if name not in _KNOWN or not isinstance(typed, dict):
            continue
        if name in _NUMBERS:
            if "N" in typed:
                values[name] = _number(typed["N"])
        elif name in _JSON:
            if "S" in typed:
                values[name] = json.loads(typed["S"])
        elif "S" in typed:
            values[name] = typed["S"]
    return StoredEvent(pk=values.pop("pk", ""), sk=values.pop("sk", ""), **values)


def live(items: Iterable[dict[str, Any]], now_epoch: float | None = None) -> Iterator[dict[str, Any]]:
    """Only the items whose retention has not run out (``dynamo.is_live``, the one rule)."""
    moment = time.time() if now_epoch is None else now_epoch
    return (item for item in items if dynamo.is_live(item, moment))


def _read(
    request: dict[str, Any], what: str, include_expired: bool = False, as_of: float | None = None
) -> Iterator[StoredEvent]:
    for item in dynamo.query_items(request, what, include_expired, as_of):
        yield decode(item)


def query_page(request: dict[str, Any], what: str) -> tuple[list[StoredEvent], dict[str, Any] | None]:
    """One page of a raw Query (for readers that checkpoint between pages, like export jobs)."""
    page = next(dynamo.query_pages(request, what))
    now_epoch = time.time()
    events = [decode(item) for item in page.get("Items", []) if dynamo.is_live(item, now_epoch)]
    return events, page.get("LastEvaluatedKey")


# ---- partitions ------------------------------------------------------------------------------------


def partitions_of(kind: str, day: str, names: Iterable[str] | None = None) -> list[str]:
    """Every partition key of one kind on one day (catalog names, or only ``names``, × shards)."""
    shards = get_settings().shard_count
    wanted = None if names is None else set(names)
    return [
        pk
        for name in catalog.names_on(day, kind)
        if wanted is None or name in wanted
        for pk in partition_keys(kind, name, day, shards)
    ]


def range_request(pk: str, sk_from: str | None = None, sk_before: str | None = None) -> dict[str, Any]:
    """A Query of one partition with ``sk_from <= sk < sk_before`` (either bound optional)."""
    names = {"#pk": "pk"}
    values: dict[str, Any] = {":pk": {"S": pk}}
    condition = "#pk = :pk"
    if sk_from is not None and sk_before is not None:
        # BETWEEN is inclusive, but ``sk_before`` is a bare time and every stored key at that time
        # continues with ``#<messageId>``, so it sorts after the bound: effectively exclusive.
        condition += " AND #sk BETWEEN :from AND :before"
    elif sk_from is not None:
        condition += " AND #sk >= :from"
    elif sk_before is not None:
        condition += " AND #sk < :before"
    if sk_from is not None:
        values[":from"] = {"S": sk_from}
    if sk_before is not None:
        values[":before"] = {"S": sk_before}
    if sk_from is not None or sk_before is not None:
        names["#sk"] = "sk"
    return {
        "TableName": TABLE,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def read_partition(
    pk: str,
    sk_from: str | None = None,
    sk_before: str | None = None,
    projection: str | None = None,
    include_expired: bool = False,
    as_of: float | None = None,
) -> Iterator[StoredEvent]:
    """Events of one partition in a key range (live at ``as_of``, default now), page by page."""
    request = range_request(pk, sk_from, sk_before)
    if projection:
        request["ProjectionExpression"] = projection
    yield from _read(request, "Query raw partition", include_expired, as_of)


def count_partition(pk: str, sk_from: str | None = None, sk_before: str | None = None) -> int:
    """Number of items in a key range (``Select=COUNT``: nothing is transferred)."""
    request = {**range_request(pk, sk_from, sk_before), "Select": "COUNT"}
    return sum(int(page.get("Count", 0)) for page in dynamo.query_pages(request, "Count raw partition"))


def time_range_request(pk: str, start: datetime, end: datetime) -> dict[str, Any]:
    """A Query of one partition for ``start <= ts <= end`` (the end's millisecond included)."""
    return range_request(pk, iso(start), iso(end) + "\uffff")


def events_in_partitions(pks: Iterable[str], start: datetime, end: datetime) -> Iterator[StoredEvent]:
    """Events of the given partitions with ``start <= ts <= end``."""
    for pk in pks:
        yield from _read(time_range_request(pk, start, end), "Query events")


def events_of_name_on(kind: str, name: str, day: str, start: datetime, end: datetime) -> Iterator[StoredEvent]:
    """Events of one name on one day (its shards) with ``start <= ts <= end``."""
    yield from events_in_partitions(partition_keys(kind, name, day, get_settings().shard_count), start, end)


def events_of_name(kind: str, name: str, start: datetime, end: datetime) -> Iterator[StoredEvent]:
    """Every stored event of one name in the range: its day partitions × shards, nothing else."""
    for day in days_between(start, end):
        yield from events_of_name_on(kind, name, day, start, end)


def events_of_kind(kind: str, start: datetime, end: datetime, names: list[str] | None = None) -> Iterator[StoredEvent]:
    """Every event of a kind in the range (of only ``names`` if given), partitions from the day catalog."""
    for day in days_between(start, end):
        yield from events_in_partitions(partitions_of(kind, day, names), start, end)


def user_request(user_id: str, start: datetime | None = None, end: datetime | None = None) -> dict[str, Any]:
    """A Query of the sparse ``by_user`` index for one user's events (in time order)."""
    request: dict[str, Any] = {
        "TableName": TABLE,
        "IndexName": "by_user",
        "KeyConditionExpression": "user_id = :u",
        "ExpressionAttributeValues": {":u": {"S": user_id}},
    }
    if start is not None or end is not None:
        low = iso(start) if start else "0"
        high = (iso(end) if end else "9") + "\uffff"
        request["KeyConditionExpression"] += " AND sk BETWEEN :lo AND :hi"
        request["ExpressionAttributeValues"].update({":lo": {"S": low}, ":hi": {"S": high}})
    return request


def events_of_user(
    user_id: str, start: datetime | None = None, end: datetime | None = None, include_expired: bool = False
) -> Iterator[StoredEvent]:
    """A signed-in user's events in time order, through the sparse ``by_user`` index."""
    yield from _read(user_request(user_id, start, end), "Query by_user", include_expired)


def keys_of_anonymous_session(session_id: str, include_expired: bool = False) -> Iterator[StoredEvent]:
    """An anonymous session's events, keys only (the ``by_session`` index projects keys)."""
    request = {
        "TableName": TABLE,
        "IndexName": "by_session",
        "KeyConditionExpression": "anon_session_id = :s",
        "ExpressionAttributeValues": {":s": {"S": session_id}},
    }
    yield from _read(request, "Query by_session", include_expired)


def delete_keys(keys: Iterable[tuple[str, str]]) -> int:
    """Delete raw items by ``(pk, sk)``, 25 per batch. Deleting a key that is already gone succeeds,
    which is what makes the purge and GDPR deletion safe to repeat."""
    requests = [{"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"S": sk}}}} for pk, sk in keys]
    if not requests:
        return 0
    dynamo.batch_write({TABLE: requests})
    return len(requests)
