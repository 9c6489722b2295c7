"""Which names (event types, interaction types, endpoints, pages…) exist on each day.

Readers that must cover "every name of a kind on a day" (export, engagement job,
purge, journeys) query the catalog instead of scanning the raw table. Ingest puts one
small item per (day, name) (idempotent), and each warm process remembers what it
already wrote, so the write happens about once per (day, name) per container.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime, timedelta

from chalicelib.store import dynamo, rollup_keys
from chalicelib.store.models import Rollup

_MAX_REMEMBERED = 20_000
CATALOG_GRACE_DAYS = 7
_remembered: OrderedDict[tuple[str, str], None] = OrderedDict()


def _pk(day: str) -> str:
    return rollup_keys.catalog_day(day)


def expiry_for(day: str, retention_days: int) -> int:
    """A day's catalog outlives every raw item of that day (the purge finds partitions through it)."""
    end_of_day = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC) + timedelta(days=1)
    return int((end_of_day + timedelta(days=retention_days + CATALOG_GRACE_DAYS)).timestamp())


def note_names(names_by_day: dict[str, set[str]], retention_days: int) -> int:
    """Record ``kind/name`` entries per day, one item each (``sk`` = the name, so a day with
    many long client-chosen names never nears the 400 KB item limit). Returns writes made
    (0 when this process already recorded them all)."""
    requests: list[dict[str, object]] = []
    for day, names in names_by_day.items():
        expires_at = {"N": str(expiry_for(day, retention_days))}
        for name in sorted(n for n in names if (day, n) not in _remembered):
            item = {"pk": {"S": _pk(day)}, "sk": {"S": name}, "expires_at": expires_at}
            requests.append({"PutRequest": {"Item": item}})
    if not requests:
        return 0
    calls = dynamo.batch_write({Rollup.Meta.table_name: requests})
    for day, names in names_by_day.items():
        for name in names:
            _remembered[(day, name)] = None
    while len(_remembered) > _MAX_REMEMBERED:
        _remembered.popitem(last=False)
    return calls


def forget() -> None:
    """Drop the process cache (tests start from an empty table)."""
    _remembered.clear()


def names_on(day: str, kind: str | None = None) -> list[str]:
    """Names stored on ``day`` (``kind/name`` or, with ``kind``, just the names of that kind)."""
    request: dict[str, object] = {
        "TableName": Rollup.Meta.table_name,
        "KeyConditionExpression": "pk = :pk" + (" AND begins_with(sk, :kind)" if kind else ""),
        "ExpressionAttributeValues": {":pk": {"S": _pk(day)}, **({":kind": {"S": f"{kind}/"}} if kind else {})},
        "ProjectionExpression": "sk",
    }
    names = [item["sk"]["S"] for item in dynamo.query_items(request, "Query catalog")]
    if kind is None:
        return sorted(names)
    return sorted(n[len(kind) + 1 :] for n in names)
