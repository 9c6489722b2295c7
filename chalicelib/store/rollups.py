"""Roll-up writes (one transaction per chunk of stream records) and roll-up reads.

Idempotency under redelivery: each chunk of stream records is applied in ONE
``TransactWriteItems`` together with a marker item keyed by the chunk's first
record (``stream#chunk#<eventID>``, condition ``attribute_not_exists``) that
stores the chunk's last sequence number. Either every roll-up update of the chunk
and its marker commit, or none do. A redelivered chunk finds its marker, the
transaction is cancelled, and the handler skips the records the marker covers.
See docs/rollups.md.

Counters are ``ADD`` updates (no read). Sketch items (HLL/KLL) are read, merged
with the chunk's values and put back with an optimistic ``version`` condition,
inside the same transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain import sketches
from chalicelib.domain.rollups import ItemDelta, RollupKey
from chalicelib.store import dynamo
from chalicelib.store.models import Rollup, Session
from chalicelib.store.queries import meter, query_all

MAX_TRANSACTION_ITEMS = 100
MARKER_TTL_SECONDS = 3 * 86400  # longer than a stream's 24 h retention
MAX_SKETCH_CONFLICTS = 8


def table() -> str:
    return Rollup.Meta.table_name


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return str(Decimal(repr(float(value))).quantize(Decimal("0.000001")).normalize())


def marker_pk(first_event_id: str) -> str:
    return f"stream#chunk#{first_event_id}"


@dataclass(frozen=True)
class ChunkOutcome:
    applied: bool
    covered_until: str  # last sequence number the chunk (or the earlier application) covered
    items_written: int = 0


def _counter_update(key: RollupKey, delta: ItemDelta) -> dict[str, Any]:
    names: dict[str, str] = {"#exp": "expires_at"}
    values: dict[str, Any] = {":exp": {"N": str(delta.expires_at)}}
    adds = []
    for index, (attribute, amount) in enumerate(sorted(delta.counters.items())):
        names[f"#a{index}"] = attribute
        values[f":v{index}"] = {"N": _number(amount)}
        adds.append(f"#a{index} :v{index}")
    expression = "SET #exp = if_not_exists(#exp, :exp)"
    if adds:
        expression = "ADD " + ", ".join(adds) + " " + expression
    return {
        "Update": {
            "TableName": table(),
            "Key": {"pk": {"S": key[0]}, "sk": {"S": key[1]}},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def _sketch_put(key: RollupKey, delta: ItemDelta, current: dict[str, Any] | None) -> dict[str, Any]:
    attribute = delta.sketch or "hll"
    old_blob = current.get(attribute, {}).get("B") if current else None
    old_count = int(current["count"]["N"]) if current and "count" in current else 0
    if attribute == "hll":
        blob = sketches.hll_blob(sketches.hll_merge([old_blob], delta.hll_values))
        added = len(delta.hll_values)
    else:
        blob = sketches.kll_blob(sketches.kll_merge([old_blob], delta.kll_values))
        added = len(delta.kll_values)
    version = int(current["version"]["N"]) if current and "version" in current else 0
    put: dict[str, Any] = {
        "TableName": table(),
        "Item": {
            "pk": {"S": key[0]},
            "sk": {"S": key[1]},
            attribute: {"B": blob},
            "count": {"N": str(old_count + added)},
            "version": {"N": str(version + 1)},
            "expires_at": {"N": str(delta.expires_at)},
        },
    }
    if current is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "version = :v"
        put["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
    return {"Put": put}


def _load(keys: list[RollupKey]) -> dict[RollupKey, dict[str, Any]]:
    if not keys:
        return {}
    found = dynamo.batch_get(table(), [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys])
    return {(item["pk"]["S"], item["sk"]["S"]): item for item in found}


def read_marker(first_event_id: str) -> str | None:
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(
            TableName=table(), Key={"pk": {"S": marker_pk(first_event_id)}, "sk": {"S": "marker"}}, ConsistentRead=True
        ),
        "GetItem chunk marker",
    )
    item = response.get("Item")
    return item["last_seq"]["S"] if item else None


def apply_chunk(first_event_id: str, last_seq: str, deltas: dict[RollupKey, ItemDelta], now_epoch: int) -> ChunkOutcome:
    """Apply one chunk's deltas exactly once (see module docstring)."""
    if len(deltas) + 1 > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"chunk touches {len(deltas)} items; at most {MAX_TRANSACTION_ITEMS - 1}")
    marker = {
        "Put": {
            "TableName": table(),
            "Item": {
                "pk": {"S": marker_pk(first_event_id)},
                "sk": {"S": "marker"},
                "last_seq": {"S": last_seq},
                "items": {"N": str(len(deltas))},
                "expires_at": {"N": str(now_epoch + MARKER_TTL_SECONDS)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    sketch_keys = [key for key, delta in deltas.items() if delta.sketch]
    for attempt in range(MAX_SKETCH_CONFLICTS):
        current = _load(sketch_keys)
        actions = [marker]
        for key, delta in sorted(deltas.items()):
            if delta.sketch:
                actions.append(_sketch_put(key, delta, current.get(key)))
            else:
                actions.append(_counter_update(key, delta))
        try:
            dynamo.with_retry(
                lambda actions=actions: dynamo.client().transact_write_items(TransactItems=actions),
                "TransactWriteItems roll-ups",
            )
            return ChunkOutcome(applied=True, covered_until=last_seq, items_written=len(deltas))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                covered = read_marker(first_event_id)
                if covered is not None:
                    return ChunkOutcome(applied=False, covered_until=covered)
            if not any(code == "ConditionalCheckFailed" for code in reasons[1:]) and not any(
                code in ("ThrottlingError", "TransactionConflict", "ProvisionedThroughputExceeded") for code in reasons
            ):
                raise
            time.sleep(dynamo.backoff_delay(attempt))
    raise dynamo.StorageUnavailable("roll-up sketches kept conflicting")


def first_touch_campaigns(session_ids: list[str]) -> dict[str, str]:
    """Session → first-touch campaign (campaign id, else utm_campaign) for attribution."""
    if not session_ids:
        return {}
    keys = [{"session_id": {"S": sid}} for sid in sorted(set(session_ids))]
    out: dict[str, str] = {}
    for item in dynamo.batch_get(Session.Meta.table_name, keys, consistent=False):
        campaign = item.get("campaign_id", {}).get("S") or item.get("utm_campaign", {}).get("S")
        if campaign:
            out[item["session_id"]["S"]] = campaign
    return out


# ---- reads -------------------------------------------------------------------------------------


def decode_rollup(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in item.items():
        if "N" in value:
            number = float(value["N"])
            out[name] = int(number) if number.is_integer() else number
        elif "B" in value:
            out[name] = bytes(value["B"])
        elif "S" in value:
            out[name] = value["S"]
    return out


def read_range(pk: str, first_sk: str, last_sk: str) -> list[dict[str, Any]]:
    """Items of one roll-up series between two bucket keys (inclusive)."""
    items = query_all(
        "Query roll-ups",
        TableName=table(),
        KeyConditionExpression="pk = :pk AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues={":pk": {"S": pk}, ":lo": {"S": first_sk}, ":hi": {"S": last_sk}},
    )
    return [decode_rollup(item) for item in items]


def read_items(keys: list[RollupKey]) -> list[dict[str, Any]]:
    found = _load(keys)
    meter.items += len(found)
    return [decode_rollup(item) for item in found.values()]
