"""Roll-up writes (one transaction per chunk of stream records), compaction and tiered reads.

Three tiers of packed buckets (domain/tiers.py): ``minute#<day>`` written by the stream
handler, ``hour#all`` and ``day#all`` written by the compaction job. See docs/rollups.md.

Idempotency under redelivery: each chunk of stream records is applied in ONE
``TransactWriteItems``: its minute items (read, merged, put back with an optimistic
``version`` condition), a marker keyed by the chunk's first record
(``stream#chunk#<eventID>``, condition ``attribute_not_exists``) that stores the chunk's
last sequence number, and a condition on the compaction state. Either all of it commits
or none. A redelivered chunk finds its marker, the transaction is cancelled, and the
handler skips the records the marker covers.

Late data: an hour is *sealed* before the compaction job reads its minutes. A chunk that
touches a sealed hour also writes a mark ``dirty#hour/<hour>`` in its transaction, and the
transaction checks that the seal it read is still current, so no minute write can slip
between a seal and the job's read unmarked. The job rebuilds marked hours (and their days).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain import tiers
from chalicelib.domain.clock import days_between, parse_iso
from chalicelib.domain.rollups import bucket_sk, next_hour
from chalicelib.store import dynamo, rollup_keys
from chalicelib.store import rollup_codec as codec
from chalicelib.store.models import Rollup

MAX_TRANSACTION_ITEMS = 100
MARKER_TTL_SECONDS = 3 * 86400  # longer than a stream's 24 h retention
MAX_CONFLICTS = 8
DIRTY_PK = rollup_keys.DIRTY_HOURS
STATE_KEY = {"pk": {"S": rollup_keys.COMPACTION}, "sk": {"S": "state"}}
LEASE_KEY = {"pk": {"S": rollup_keys.COMPACTION}, "sk": {"S": "lease"}}


def table() -> str:
    return Rollup.Meta.table_name


def tier_pk(granularity: str, bucket: str) -> str:
    """``minute#<day>`` for minutes, ``hour#all`` and ``day#all`` for the built tiers."""
    return rollup_keys.tier_partition(granularity, bucket)


def marker_pk(first_event_id: str) -> str:
    return rollup_keys.chunk_marker(first_event_id)


@dataclass(frozen=True)
class ChunkOutcome:
    applied: bool
    covered_until: str  # last sequence number the chunk (or the earlier application) covered
    items_written: int = 0


@dataclass(frozen=True)
class CompactionState:
    sealed: str | None = None  # last hour whose minutes the job may have read
    compacted: str | None = None  # last hour of the unbroken run of hours built (with their days)


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def load_state(consistent: bool = True) -> CompactionState:
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(TableName=table(), Key=STATE_KEY, ConsistentRead=consistent),
        "GetItem compaction state",
    )
    item = response.get("Item") or {}
    return CompactionState(item.get("sealed", {}).get("S"), item.get("compacted", {}).get("S"))


def _state_condition(state: CompactionState) -> dict[str, Any]:
    check: dict[str, Any] = {"TableName": table(), "Key": STATE_KEY}
    if state.sealed is None:
        check["ConditionExpression"] = "attribute_not_exists(sealed)"
    else:
        check["ConditionExpression"] = "sealed = :s"
        check["ExpressionAttributeValues"] = {":s": {"S": state.sealed}}
    return {"ConditionCheck": check}


def _load_minutes(sks: list[str]) -> dict[str, dict[str, Any]]:
    """Minute items (or parts) by sort key, read consistently."""
    if not sks:
        return {}
    found = dynamo.batch_get(table(), [_key(tier_pk("minute", sk), sk) for sk in sks])
    return {item["sk"]["S"]: item for item in found}


def _part_count(head: dict[str, Any] | None) -> int:
    return int(head["parts"]["N"]) if head and "parts" in head else 1


def _minute_actions(
    sk: str, delta: tiers.BucketDelta, head: dict[str, Any] | None, active: dict[str, Any] | None, expires: int
) -> list[dict[str, Any]]:
    """The writes that add ``delta`` to one minute.

    Normally one put of the minute's item. A minute fuller than an item may be (a very busy
    minute with tens of thousands of names) continues in parts ``<minute>#1``, ``#2`` …: the
    delta opens a new part once the active one is full, and the first part, rewritten only
    then, counts the parts so the next writer finds the active one. Readers merge all parts.
    """
    parts = _part_count(head)
    active_sk = codec.part_sk(sk, parts - 1)
    merged = codec.encode(tiers.apply(codec.decode(active), delta))
    if active is None or codec.encoded_size(merged) <= codec.PART_LIMIT_BYTES:
        return [_minute_put(active_sk, merged, active, expires, parts if active is head else None)]
    assert head is not None
    return [
        _minute_put(codec.part_sk(sk, parts), codec.encode(tiers.packed_from_delta(delta)), None, expires),
        _minute_put(sk, codec.encode(codec.decode(head)), head, expires, parts + 1),
    ]


def read_marker(first_event_id: str) -> str | None:
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(
            TableName=table(), Key=_key(marker_pk(first_event_id), "marker"), ConsistentRead=True
        ),
        "GetItem chunk marker",
    )
    item = response.get("Item")
    return item["last_seq"]["S"] if item else None


def _minute_put(
    sk: str, attributes: dict[str, Any], current: dict[str, Any] | None, expires_at: int, parts: int | None = None
) -> dict[str, Any]:
    """Put a minute item (or part), its encoded ``attributes``, over the version it was read at
    (or only if still absent)."""
    version = int(current["version"]["N"]) if current and "version" in current else 0
    put: dict[str, Any] = {
        "TableName": table(),
        "Item": {
            **_key(tier_pk("minute", sk), sk),
            **attributes,
            "version": {"N": str(version + 1)},
            "expires_at": {"N": str(expires_at)},
        },
    }
    if parts is not None and parts > 1:
        put["Item"]["parts"] = {"N": str(parts)}
    if current is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "version = :v"
        put["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
    return {"Put": put}


def apply_chunk(
    first_event_id: str,
    last_seq: str,
    deltas: dict[str, tiers.BucketDelta],
    now_epoch: int,
    minute_ttl_seconds: int,
) -> ChunkOutcome:
    """Apply one chunk's minute deltas exactly once (see module docstring)."""
    hours = {bucket_sk(parse_iso(sk), "hour") for sk in deltas}
    if 2 * len(deltas) + len(hours) + 2 > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"chunk touches {len(deltas)} minutes; at most {(MAX_TRANSACTION_ITEMS - 2) // 3}")
    marker = {
        "Put": {
            "TableName": table(),
            "Item": {
                **_key(marker_pk(first_event_id), "marker"),
                "last_seq": {"S": last_seq},
                "items": {"N": str(len(deltas))},
                "expires_at": {"N": str(now_epoch + MARKER_TTL_SECONDS)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    for attempt in range(MAX_CONFLICTS):
        state = load_state()
        heads = _load_minutes(sorted(deltas))
        later = [codec.part_sk(sk, _part_count(head) - 1) for sk, head in heads.items() if _part_count(head) > 1]
        actives = {**heads, **_load_minutes(later)}
        actions = [marker, _state_condition(state)]
        for sk, delta in sorted(deltas.items()):
            # never less than days from now, so the compaction job reads a back-filled minute first
            expires = max(int(parse_iso(sk).timestamp()) + minute_ttl_seconds, now_epoch + MARKER_TTL_SECONDS)
            head = heads.get(sk)
            actions += _minute_actions(sk, delta, head, actives.get(codec.part_sk(sk, _part_count(head) - 1)), expires)
        for hour in sorted(hours):
            if state.sealed is not None and hour <= state.sealed:
                mark = {**_key(DIRTY_PK, hour), "stamp": {"S": first_event_id}}
                mark["expires_at"] = {"N": str(now_epoch + MARKER_TTL_SECONDS * 10)}
                actions.append({"Put": {"TableName": table(), "Item": mark}})
        try:
            dynamo.with_retry(
                lambda actions=actions: dynamo.client().transact_write_items(TransactItems=actions),
                "TransactWriteItems roll-ups",
            )
            return ChunkOutcome(applied=True, covered_until=last_seq, items_written=len(actions) - 2)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                covered = read_marker(first_event_id)
                if covered is not None:
                    return ChunkOutcome(applied=False, covered_until=covered)
            retryable = ("ConditionalCheckFailed", "ThrottlingError", "TransactionConflict")
            if not any(code in (*retryable, "ProvisionedThroughputExceeded") for code in reasons):
                raise
            time.sleep(dynamo.backoff_delay(attempt))
    raise dynamo.StorageUnavailable("roll-up minute items kept conflicting")


# ---- compaction (the job's data access) ----------------------------------------------------------


def seal(hour: str) -> None:
    """Move the seal forward to ``hour`` (never back)."""
    dynamo.conditional(
        lambda: dynamo.client().update_item(
            TableName=table(),
            Key=STATE_KEY,
            UpdateExpression="SET sealed = :h",
            ConditionExpression="attribute_not_exists(sealed) OR sealed < :h",
            ExpressionAttributeValues={":h": {"S": hour}},
        ),
        "UpdateItem seal",
    )


def first_minute_from(sk: str, until: str) -> str | None:
    """The first minute bucket from ``sk`` up to the end of ``until``'s day (one item read per
    day partition looked at), or None."""
    for day in days_between(parse_iso(sk), parse_iso(until)):
        response = dynamo.with_retry(
            lambda day=day: dynamo.client().query(
                TableName=table(),
                KeyConditionExpression="pk = :pk AND sk >= :lo",
                ExpressionAttributeValues={":pk": {"S": rollup_keys.minute_partition(day)}, ":lo": {"S": sk}},
                ConsistentRead=True,
                Limit=1,
                ProjectionExpression="sk",
            ),
            "Query next minute",
        )
        items = response.get("Items") or []
        if items:
            return codec.bucket_of_sk(items[0]["sk"]["S"])
    return None


def mark_compacted(hour: str) -> None:
    dynamo.with_retry(
        lambda: dynamo.client().update_item(
            TableName=table(),
            Key=STATE_KEY,
            UpdateExpression="SET compacted = :h",
            ExpressionAttributeValues={":h": {"S": hour}},
        ),
        "UpdateItem compacted",
    )


def take_lease(now_epoch: int, seconds: int) -> bool:
    """One compaction at a time: two runs rebuilding the same hour from different reads
    could otherwise leave the older result last."""
    return dynamo.conditional(
        lambda: dynamo.client().put_item(
            TableName=table(),
            Item={**LEASE_KEY, "until": {"N": str(now_epoch + seconds)}},
            ConditionExpression="attribute_not_exists(pk) OR #u < :now",
            ExpressionAttributeNames={"#u": "until"},
            ExpressionAttributeValues={":now": {"N": str(now_epoch)}},
        ),
        "PutItem compaction lease",
    )


def release_lease() -> None:
    dynamo.with_retry(lambda: dynamo.client().delete_item(TableName=table(), Key=LEASE_KEY), "DeleteItem lease")


def read_tier(granularity: str, first: str, last: str, consistent: bool = False) -> dict[str, tiers.Packed]:
    """Buckets of one tier from ``first`` to ``last`` (inclusive), parts merged back together."""
    if granularity == "minute":
        pks = [rollup_keys.minute_partition(day) for day in days_between(parse_iso(first), parse_iso(last))]
    else:
        pks = [tier_pk(granularity, first)]
    parts: dict[str, list[tiers.Packed]] = {}
    for pk in pks:
        request = {
            "TableName": table(),
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":lo": {"S": first}, ":hi": {"S": last + "~"}},
            "ConsistentRead": consistent,
        }
        for item in dynamo.query_items(request, f"Query {granularity} roll-ups"):
            parts.setdefault(codec.bucket_of_sk(item["sk"]["S"]), []).append(codec.decode(item))
    return {sk: group[0] if len(group) == 1 else tiers.merge(group) for sk, group in parts.items()}


def write_bucket(granularity: str, bucket: str, packed: tiers.Packed, expires_at: int) -> int:
    """Put a compacted bucket whole (in parts if large): a rebuild overwrites, never adds."""
    requests = []
    for index, part in enumerate(codec.split_parts(packed)):
        item = {**_key(tier_pk(granularity, bucket), codec.part_sk(bucket, index)), **codec.encode(part)}
        item["expires_at"] = {"N": str(expires_at)}
        requests.append({"PutRequest": {"Item": item}})
    dynamo.batch_write({table(): requests})
    return len(requests)


def dirty_hours(limit: int) -> list[tuple[str, str]]:
    """(hour, stamp) of hours marked since they were sealed, oldest first."""
    out = []
    request = {
        "TableName": table(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": DIRTY_PK}},
        "ConsistentRead": True,
        "Limit": limit,
    }
    for item in dynamo.query_items(request, "Query dirty hours"):
        out.append((item["sk"]["S"], item.get("stamp", {}).get("S", "")))
        if len(out) >= limit:
            break
    return out


def clear_dirty(hour: str, stamp: str) -> None:
    """Remove a mark unless a chunk marked the hour again meanwhile (then the next run rebuilds it)."""
    dynamo.conditional(
        lambda: dynamo.client().delete_item(
            TableName=table(),
            Key=_key(DIRTY_PK, hour),
            ConditionExpression="stamp = :s",
            ExpressionAttributeValues={":s": {"S": stamp}},
        ),
        "DeleteItem dirty hour",
    )


# ---- tiered reads ---------------------------------------------------------------------------------

_scope: ContextVar[dict[Any, Any] | None] = ContextVar("rollup_read_scope", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within the block (or the decorated call), each tier range and the compaction state are
    read once: one request reads several families out of the same buckets."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def _cached(key: Any, load: Any) -> Any:
    cache = _scope.get()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


def _tier(granularity: str, first: str, last: str) -> dict[str, tiers.Packed]:
    return _cached(("tier", granularity, first, last), lambda: read_tier(granularity, first, last))


def bucket_view(granularity: str, first: str, last: str) -> dict[str, tiers.Packed]:
    """Every bucket of ``granularity`` in ``[first, last]``: compacted items where the job has
    built them, the rest merged on the fly from the tier below (minutes of the open hours,
    hours of the open day). Cost follows the range, never the events stored."""
    if granularity == "minute":
        return _tier("minute", first, last)
    state: CompactionState = _cached(("state",), lambda: load_state(consistent=False))
    view = dict(_tier(granularity, first, last))
    first_open = first if state.compacted is None else max(first, next_hour(state.compacted))
    if granularity == "day":
        first_open = bucket_sk(parse_iso(first_open), "day")
        finer = "hour"
    else:
        finer = "minute"
    if first_open <= last:
        below = bucket_view(finer, first_open, tiers.last_sk_within(last, granularity))
        for sk, packed in tiers.group(below, granularity).items():
            if first <= sk <= last:
                view.setdefault(sk, packed)
    return view


def read_family(
    family: str, granularity: str, first_sk: str, last_sk: str, dimension: str = "all"
) -> list[dict[str, Any]]:
    """One family's series (of one dimension) between two buckets, each bucket shaped like a
    stand-alone roll-up item with its ``sk`` (``{"sk": …, "a:page_view": 3}``); empty buckets left out."""
    out = []
    for sk, packed in sorted(bucket_view(granularity, first_sk, last_sk).items()):
        item = tiers.family_view(packed, family, dimension)
        if item:
            out.append({"sk": sk, **item})
    return out
