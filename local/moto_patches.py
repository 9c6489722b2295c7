"""Make moto's DynamoDB behave and cost like DynamoDB: transactions, queries and stream sequence numbers.

moto (5.2) backs up every table a transaction names with ``copy.deepcopy`` before
applying it, so each roll-up transaction copies the whole roll-up table: on the
local stack, after a 30-day demo load, one stream chunk took seconds and the moto
server grew past 2 GB. Worse, the moto server is threaded, and a deep copy that
iterates a table while ``chalice local`` writes to it fails with "dictionary changed
size during iteration" (a 500 to the stream pump, which then retries forever).

Queries: moto (5.2) answers a base-table Query by sorting every item of the table and
filtering on the partition key, so each query costs the whole table; a 30-day funnel
(hundreds of partition queries) took minutes on the demo data set. The patch hands the
query only the queried partition's items (a thread-local hint read by ``all_items``);
everything else about the query (conditions, paging, filters) is moto's.

Stream records: moto numbers a record ``len(records) + start`` without a lock, so two
threads writing the same table at once (ingest writes raw chunks concurrently) can get
the same sequence number. A resume "at" that number then restarts one record early,
and the roll-up handler, skipping what a chunk marker covers "up to" that number,
skipped the twin too: a stream test lost one purchase under load. DynamoDB's sequence
numbers are unique per shard; the patch serialises ``StreamShard.add`` so moto's are too.

The transaction patch keeps moto's own transaction logic (conditions, cancellation reasons,
stream records) and replaces only the backup: the touched items (and the length of
each touched table's stream) are saved before, and restored if moto cancels the
transaction. Transactions are serialised with a lock. Installed by the local moto
server launcher (``python -m local.moto_server``) and by the in-process test fixture,
so tests and the local stack run the same emulator.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_LOCK = threading.RLock()
_installed = False
_partition = threading.local()
# Table.query(hash_key, range_comparison, range_objs, limit, start_key, forward, projection, index_name, ...)
_INDEX_NAME_POSITION = 7


class _TablesAreNotCopied:
    """Stands in for the ``copy`` module inside moto's DynamoDB backend: a Table is returned as is."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> tuple[list[tuple], list[tuple]]:
    """(table, hash, range, deep copy of the item or None) per target, and (table, stream length)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved: list[tuple] = []
    streams: dict[int, tuple] = {}
    for entry in transact_items:
        if len(entry) != 1:
            continue
        ((_, op),) = entry.items()
        table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        if table is None:
            continue
        key = op.get("Key") or op.get("Item") or {}
        if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        saved.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
        if table.stream_shard is not None:
            streams.setdefault(id(table), (table, len(table.stream_shard.items)))
    return saved, list(streams.values())


def _restore(saved: list[tuple], streams: list[tuple]) -> None:
    for table, hash_value, range_value, old in reversed(saved):
        if range_value is None:
            if old is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = old
        elif old is None:
            table.items.get(hash_value, {}).pop(range_value, None)
            if hash_value in table.items and not table.items[hash_value]:
                del table.items[hash_value]
        else:
            table.items[hash_value][range_value] = old
    for table, length in streams:
        del table.stream_shard.items[length:]


def _patch_queries(table_class: Any) -> None:
    all_items, query = table_class.all_items, table_class.query

    def partition_items(self: Any) -> list[Any]:
        hint = getattr(_partition, "hint", None)
        if hint is None or hint[0] is not self:
            return all_items(self)
        bucket = self.items.get(hint[1])
        if bucket is None:
            return []
        if not self.range_key_attr:
            return [bucket]
        return sorted(bucket.values(), key=lambda item: item.range_key)

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[_INDEX_NAME_POSITION - 1] if len(args) >= _INDEX_NAME_POSITION else kwargs.get("index_name")
        if index_name or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        _partition.hint = (self, hash_key)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _partition.hint = None

    table_class.all_items = partition_items
    table_class.query = partition_query


def _patch_stream_numbering(shard_class: Any) -> None:
    add = shard_class.add
    lock = threading.Lock()

    def add_numbered_once(self: Any, old: Any, new: Any) -> None:
        with lock:
            add(self, old, new)

    shard_class.add = add_numbered_once


def install() -> None:
    """Idempotent; call before the first DynamoDB request reaches moto."""
    global _installed
    if _installed:
        return
    import moto.dynamodb.models as backend_module
    from moto.dynamodb.models.table import StreamShard, Table

    _patch_queries(Table)
    _patch_stream_numbering(StreamShard)
    original = backend_module.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _LOCK:
            saved, streams = _touched(self, transact_items)
            try:
                return original(self, transact_items)
            except Exception:
                _restore(saved, streams)
                raise

    backend_module.copy = _TablesAreNotCopied()  # type: ignore[assignment]
    backend_module.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _installed = True
