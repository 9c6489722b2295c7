"""Reads of raw time partitions for the jobs: enumerate partitions through the catalog,
page through one partition, and ignore items past their ``expires_at``.

TTL deletes expired items eventually (days later, in real DynamoDB) and the
purge job guarantees it; until then readers must act as if they were gone.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.events import partition_keys
from chalicelib.store import catalog, dynamo
from chalicelib.store.models import RawEvent

RAW_KINDS = ("activity", "interaction", "conversion", "performance", "heatmap")


def is_expired(item: dict[str, Any], now_epoch: float | None = None) -> bool:
    """True once a raw item's ``expires_at`` (epoch seconds, low-level DynamoDB JSON) has passed."""
    raw = item.get("expires_at")
    if not raw or "N" not in raw:
        return False
    return float(raw["N"]) <= (time.time() if now_epoch is None else now_epoch)


def live(items: Iterable[dict[str, Any]], now_epoch: float | None = None) -> Iterator[dict[str, Any]]:
    """Only the items whose retention has not run out."""
    moment = time.time() if now_epoch is None else now_epoch
    return (item for item in items if not is_expired(item, moment))


def partitions_of(kind: str, day: str) -> list[str]:
    """Every partition key of one kind on one day (catalog names × shards)."""
    shards = get_settings().shard_count
    return [pk for name in catalog.names_on(day, kind) for pk in partition_keys(kind, name, day, shards)]


def _request(pk: str, sk_from: str | None, sk_before: str | None) -> dict[str, Any]:
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
        "TableName": RawEvent.Meta.table_name,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def read_partition(
    pk: str, sk_from: str | None = None, sk_before: str | None = None, projection: str | None = None
) -> Iterator[dict[str, Any]]:
    """Items (low-level DynamoDB JSON) of one partition in a key range, page by page."""
    request = _request(pk, sk_from, sk_before)
    if projection:
        request["ProjectionExpression"] = projection
    for page in _pages(request):
        yield from page.get("Items", [])


def count_partition(pk: str, sk_from: str | None = None, sk_before: str | None = None) -> int:
    """Number of items in a key range (``Select=COUNT``: nothing is transferred)."""
    request = {**_request(pk, sk_from, sk_before), "Select": "COUNT"}
    return sum(int(page.get("Count", 0)) for page in _pages(request))


def _pages(request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    while True:
        page = dynamo.with_retry(lambda request=request: dynamo.client().query(**request), "Query raw partition")
        yield page
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        request = {**request, "ExclusiveStartKey": last}


def delete_raw_keys(keys: list[dict[str, Any]]) -> int:
    """Delete raw items by key (``{"pk", "sk"}`` in DynamoDB JSON), 25 per batch. Deleting a key that
    is already gone succeeds, which is what makes the purge and GDPR deletion safe to repeat."""
    if not keys:
        return 0
    requests = [{"DeleteRequest": {"Key": {"pk": key["pk"], "sk": key["sk"]}}} for key in keys]
    dynamo.batch_write({RawEvent.Meta.table_name: requests})
    return len(keys)
