"""Which names (event types, interaction types, endpoints, pages…) exist on each day.

Readers that must cover "every name of a kind on a day" (export, engagement job,
purge, journeys) query the catalog instead of scanning the raw table. Ingest adds
names with a string-set ``ADD`` (idempotent), and each warm process remembers what
it already added, so the write happens about once per (day, name) per container.
"""

from __future__ import annotations

from collections import OrderedDict

from chalicelib.store import dynamo
from chalicelib.store.models import Rollup

_MAX_REMEMBERED = 20_000
_remembered: OrderedDict[tuple[str, str], None] = OrderedDict()


def _pk(day: str) -> str:
    return f"catalog#day#{day}"


def note_names(names_by_day: dict[str, set[str]], expires_at: int) -> int:
    """Add ``kind/name`` entries per day. Returns UpdateItem calls made (0 when all known)."""
    calls = 0
    for day, names in names_by_day.items():
        fresh = sorted(n for n in names if (day, n) not in _remembered)
        if not fresh:
            continue
        dynamo.with_retry(
            lambda day=day, fresh=fresh: dynamo.client().update_item(
                TableName=Rollup.Meta.table_name,
                Key={"pk": {"S": _pk(day)}, "sk": {"S": day}},
                UpdateExpression="ADD #n :names SET expires_at = if_not_exists(expires_at, :exp)",
                ExpressionAttributeNames={"#n": "names"},
                ExpressionAttributeValues={":names": {"SS": fresh}, ":exp": {"N": str(expires_at)}},
            ),
            "UpdateItem catalog",
        )
        calls += 1
        for name in fresh:
            _remembered[(day, name)] = None
        while len(_remembered) > _MAX_REMEMBERED:
            _remembered.popitem(last=False)
    return calls


def forget() -> None:
    """Drop the process cache (tests start from an empty table)."""
    _remembered.clear()


def names_on(day: str, kind: str | None = None) -> list[str]:
    """Names stored on ``day`` (``kind/name`` or, with ``kind``, just the names of that kind)."""
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(
            TableName=Rollup.Meta.table_name, Key={"pk": {"S": _pk(day)}, "sk": {"S": day}}, ConsistentRead=True
        ),
        "GetItem catalog",
    )
    names = sorted(response.get("Item", {}).get("names", {}).get("SS", []))
    if kind is None:
        return names
    prefix = f"{kind}/"
    return [n[len(prefix) :] for n in names if n.startswith(prefix)]
