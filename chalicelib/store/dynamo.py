"""The DynamoDB client of the hot path, and the retry policy for storage faults.

Throttling and unprocessed batch items are retried here with exponential
backoff and full jitter (botocore's own retries are off for this client, so
there is exactly one policy and tests can inject faults deterministically).
When the fault persists, ``StorageUnavailable`` surfaces and the API answers
503; because raw keys are deterministic, the client's retry cannot double count.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.config import get_settings

RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
    }
)

T = TypeVar("T")


class StorageUnavailable(Exception):
    """Storage stayed throttled or unavailable through every retry."""


@lru_cache(maxsize=1)
def client() -> Any:
    settings = get_settings()
    return boto3.client(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.dynamodb_endpoint,
        # Requests are built from validated models; botocore's own parameter walk costs ~25 % of client CPU.
        config=Config(
            retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=32, parameter_validation=False
        ),
    )


def reset_client() -> None:
    """Forget the cached client (tests create it after moto starts)."""
    client.cache_clear()


def backoff_delay(attempt: int) -> float:
    """Full jitter: uniform in [0, base · 2^attempt], capped at 2 s."""
    settings = get_settings()
    cap = min(2.0, settings.storage_base_delay_seconds * (2**attempt))
    return random.uniform(0, cap)


def is_retryable(exc: Exception) -> bool:
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in RETRYABLE_CODES


def with_retry(call: Callable[[], T], what: str) -> T:
    attempts = get_settings().storage_max_attempts
    for attempt in range(attempts):
        try:
            return call()
        except ClientError as exc:
            if not is_retryable(exc):
                raise
            if attempt == attempts - 1:
                raise StorageUnavailable(f"{what}: {exc.response['Error']['Code']}") from exc
            time.sleep(backoff_delay(attempt))
    raise StorageUnavailable(what)  # pragma: no cover - loop always returns or raises


def conditional(call: Callable[[], Any], what: str) -> bool:
    """Run a conditional write (with retries): True if it applied, False if its condition failed."""
    try:
        with_retry(call, what)
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise


_WRITE_WORKERS = 4


@lru_cache(maxsize=1)
def write_pool() -> ThreadPoolExecutor:
    """Shared by every request of a warm process; botocore clients are thread-safe."""
    return ThreadPoolExecutor(max_workers=_WRITE_WORKERS, thread_name_prefix="ddb-write")


def _write_chunk(chunk: dict[str, list[dict[str, Any]]]) -> int:
    """One BatchWriteItem of ≤ 25 requests, re-sending unprocessed items with backoff."""
    attempts = get_settings().storage_max_attempts
    calls = 0
    for attempt in range(attempts):
        calls += 1
        items = chunk
        response = with_retry(lambda items=items: client().batch_write_item(RequestItems=items), "BatchWriteItem")
        chunk = response.get("UnprocessedItems") or {}
        if not chunk:
            return calls
        if attempt == attempts - 1:
            raise StorageUnavailable("BatchWriteItem: unprocessed items after retries")
        time.sleep(backoff_delay(attempt))
    return calls


def batch_write(requests_by_table: dict[str, list[dict[str, Any]]]) -> int:
    """BatchWriteItem in chunks of 25, sent concurrently (a 500-event batch is 20 round trips that
    need not wait for each other). Returns the calls made; raises ``StorageUnavailable`` if any
    chunk could not be written (the caller answers 503 and the client's retry rewrites the same keys)."""
    pending = [(table, req) for table, reqs in requests_by_table.items() for req in reqs]
    chunks: list[dict[str, list[dict[str, Any]]]] = []
    for start in range(0, len(pending), 25):
        chunk: dict[str, list[dict[str, Any]]] = {}
        for table, req in pending[start : start + 25]:
            chunk.setdefault(table, []).append(req)
        chunks.append(chunk)
    if len(chunks) <= 1:
        return sum(_write_chunk(chunk) for chunk in chunks)
    return sum(write_pool().map(_write_chunk, chunks))


def batch_get(table: str, keys: list[dict[str, Any]], consistent: bool = True) -> list[dict[str, Any]]:
    """BatchGetItem in chunks of 100, retrying unprocessed keys."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {table: {"Keys": keys[start : start + 100], "ConsistentRead": consistent}}
        attempts = get_settings().storage_max_attempts
        for attempt in range(attempts):
            req = request
            response = with_retry(lambda req=req: client().batch_get_item(RequestItems=req), "BatchGetItem")
            found.extend(response.get("Responses", {}).get(table, []))
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            if attempt == attempts - 1:
                raise StorageUnavailable("BatchGetItem: unprocessed keys after retries")
            time.sleep(backoff_delay(attempt))
    return found


# ---- reads: one pagination helper, metered -----------------------------------------------------------


class ReadMeter(threading.local):
    """Items DynamoDB evaluated for our Queries (and how many Queries), per thread."""

    def __init__(self) -> None:
        self.items = 0
        self.queries = 0
        self.tables: dict[str, int] = {}

    def count(self, table: str, items: int) -> None:
        self.items += items
        self.queries += 1
        self.tables[table] = self.tables.get(table, 0) + items


meter = ReadMeter()


@contextmanager
def metered() -> Iterator[ReadMeter]:
    """Count items read inside the block (per thread): how tests and benches show that a read's
    cost follows the range asked for, not the size of the table."""
    before_items, before_queries, before_tables = meter.items, meter.queries, dict(meter.tables)
    result = ReadMeter()
    try:
        yield result
    finally:
        result.items = meter.items - before_items
        result.queries = meter.queries - before_queries
        result.tables = {
            table: count - before_tables.get(table, 0)
            for table, count in meter.tables.items()
            if count != before_tables.get(table, 0)
        }


def plain_value(value: dict[str, Any]) -> Any:
    """One DynamoDB-JSON value as plain Python: numbers ``int`` when whole, sets sorted lists,
    binary left as bytes (callers that answer JSON leave binary attributes out)."""
    ((kind, inner),) = value.items()
    if kind == "N":
        number = float(inner)
        return int(number) if number.is_integer() else number
    if kind == "M":
        return {k: plain_value(v) for k, v in inner.items()}
    if kind == "L":
        return [plain_value(v) for v in inner]
    if kind == "NULL":
        return None
    if kind in ("SS", "NS", "BS"):
        return sorted(plain_value({kind[0]: v}) for v in inner)
    return inner


def plain(item: dict[str, Any], hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    """A DynamoDB-JSON item as a plain dict, without ``hidden`` attributes and binary ones."""
    return {name: plain_value(value) for name, value in item.items() if name not in hidden and "B" not in value}


def is_live(item: dict[str, Any], now_epoch: float) -> bool:
    """The one expiry rule: an item past its ``expires_at`` (epoch seconds) is gone for readers,
    though DynamoDB's TTL deletes it days later."""
    raw = item.get("expires_at")
    return not (raw and "N" in raw and float(raw["N"]) <= now_epoch)


def query_pages(request: dict[str, Any], what: str) -> Iterator[dict[str, Any]]:
    """Every page of one Query (retried, metered), following ``LastEvaluatedKey``."""
    while True:
        page = with_retry(lambda request=request: client().query(**request), what)
        meter.count(request["TableName"], page.get("ScannedCount", page.get("Count", 0)))
        yield page
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        request = {**request, "ExclusiveStartKey": last}


def query_items(
    request: dict[str, Any], what: str, include_expired: bool = False, as_of: float | None = None
) -> Iterator[dict[str, Any]]:
    """Every item of one Query live at ``as_of`` (default now), page after page (``include_expired``
    for the purge and erasure)."""
    now_epoch = time.time() if as_of is None else as_of
    for page in query_pages(request, what):
        items = page.get("Items", [])
        yield from items if include_expired else (item for item in items if is_live(item, now_epoch))
