"""Storage faults injected into the DynamoDB client: retried with backoff, or 503 with nothing half-counted."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.config import get_settings
from chalicelib.store import dynamo
from chalicelib.store.models import RawEvent, Session
from tests.integration.ingest_support import (
    dedup_count,
    page_view,
    post,
    recent,
    seed,
    stored_events,
    stored_sessions,
)

THROTTLED = "ProvisionedThroughputExceededException"


def throttle_error(operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": THROTTLED, "Message": "Rate of requests exceeds the allowed throughput."}}, operation
    )


class Faults:
    """Wraps methods of the cached DynamoDB client; ``rule(kwargs, call_number)`` decides each call's fate."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.client = dynamo.client()
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()  # chunks may be written from a thread pool

    def inject(self, operation: str, rule: Callable[[Callable[..., Any], dict[str, Any], int], Any]) -> None:
        real = getattr(self.client, operation)

        def wrapped(**kwargs: Any) -> Any:
            with self._lock:
                self.calls[operation] = number = self.calls.get(operation, 0) + 1
            return rule(real, kwargs, number)

        self.monkeypatch.setattr(self.client, operation, wrapped)

    def clear(self, operation: str) -> None:
        self.monkeypatch.delattr(self.client, operation)


@pytest.fixture
def faults(client: Any, monkeypatch: pytest.MonkeyPatch) -> Faults:
    return Faults(monkeypatch)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff delays requested by the retry policy (recorded, not slept)."""
    delays: list[float] = []
    monkeypatch.setattr(dynamo.time, "sleep", delays.append)
    return delays


def _visit(session_id: str, pages: int) -> list[dict[str, Any]]:
    start = recent(30)
    return [page_view(session_id, f"https://bilten.com/p{i}", start + timedelta(minutes=i)) for i in range(pages)]


def test_unprocessed_items_are_retried_with_backoff_until_stored(
    client: Any, faults: Faults, sleeps: list[float]
) -> None:
    events_table = RawEvent.Meta.table_name
    event_calls = 0

    def process_one_item_per_call(real: Callable[..., Any], kwargs: dict[str, Any], number: int) -> Any:
        nonlocal event_calls
        requests = kwargs["RequestItems"].get(events_table)
        if requests is None:
            return real(**kwargs)
        event_calls += 1
        if event_calls > 3:
            return real(**kwargs)
        real(RequestItems={events_table: requests[:1]})
        return {"UnprocessedItems": {events_table: requests[1:]}}

    faults.inject("batch_write_item", process_one_item_per_call)
    items = _visit("s-unprocessed", 8)
    reply = post(client, "batch", {"events": items})

    assert reply.status == 200, reply.body
    assert sorted(e.message_id for e in stored_events()) == sorted(i["messageId"] for i in items)
    assert event_calls == 4  # 3 partial answers, then the rest at once
    base = get_settings().storage_base_delay_seconds
    assert len(sleeps) == 3
    assert all(0 <= delay <= base * 2**attempt for attempt, delay in enumerate(sleeps))
    assert stored_sessions()["s-unprocessed"].page_views == 8


def test_batch_write_splits_into_chunks_of_25_and_retries_each(
    client: Any, faults: Faults, sleeps: list[float]
) -> None:
    seen_sizes: list[int] = []

    def first_answer_leaves_two(real: Callable[..., Any], kwargs: dict[str, Any], number: int) -> Any:
        [(table, requests)] = kwargs["RequestItems"].items()
        seen_sizes.append(len(requests))
        if number == 1:
            real(RequestItems={table: requests[:-2]})
            return {"UnprocessedItems": {table: requests[-2:]}}
        return real(**kwargs)

    faults.inject("batch_write_item", first_answer_leaves_two)
    table = RawEvent.Meta.table_name
    requests = [
        {"PutRequest": {"Item": {"pk": {"S": "t#1"}, "sk": {"S": f"{i:03d}"}, "kind": {"S": "x"}}}} for i in range(60)
    ]

    calls = dynamo.batch_write({table: requests})

    assert sorted(seen_sizes) == [2, 10, 25, 25]  # chunks may be written concurrently
    assert calls == 4
    assert len(stored_events()) == 60
    assert len(sleeps) == 1


def test_backoff_is_capped_exponential_full_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dynamo.random, "uniform", lambda low, high: (low, high))
    base = get_settings().storage_base_delay_seconds
    bounds = [dynamo.backoff_delay(attempt) for attempt in range(20)]
    assert bounds[:4] == [(0, base), (0, base * 2), (0, base * 4), (0, base * 8)]
    assert bounds[-1] == (0, 2.0)


def test_persistent_throttling_answers_503_and_the_retry_counts_once(
    client: Any, faults: Faults, sleeps: list[float]
) -> None:
    def always_throttled(real: Callable[..., Any], kwargs: dict[str, Any], number: int) -> Any:
        raise throttle_error("BatchWriteItem")

    faults.inject("batch_write_item", always_throttled)
    items = _visit("s-throttled", 3)
    reply = post(client, "batch", {"events": items})

    assert reply.status == 503
    assert reply.headers["Retry-After"] == "1"
    assert reply.body == {
        "success": False,
        "error": {
            "code": "STORAGE_UNAVAILABLE",
            "message": "Storage is busy; retry the request (it is safe to repeat)",
            "details": [],
        },
    }
    attempts = get_settings().storage_max_attempts
    assert faults.calls["batch_write_item"] == attempts
    assert len(sleeps) == attempts - 1
    assert stored_events() == []
    assert stored_sessions() == {}

    faults.clear("batch_write_item")
    retry = post(client, "batch", {"events": items})
    again = post(client, "batch", {"events": items})

    assert retry.status == again.status == 200
    assert len(stored_events()) == 3
    session = stored_sessions()["s-throttled"]
    assert (session.page_views, session.events) == (3, 3)


def _writes_session(kwargs: dict[str, Any], session_id: str) -> bool:
    """Whether a PutItem or TransactWriteItems call writes the given session."""
    puts = [kwargs] + [action.get("Put", {}) for action in kwargs.get("TransactItems", [])]
    return any(
        put.get("TableName") == Session.Meta.table_name and put["Item"]["session_id"]["S"] == session_id for put in puts
    )


def test_throttled_session_write_after_events_were_stored_is_not_double_counted(
    client: Any, faults: Faults, sleeps: list[float]
) -> None:
    """Events land, a session's write stays throttled: 503; the retry completes the sessions exactly once."""

    def throttle_session_b(real: Callable[..., Any], kwargs: dict[str, Any], number: int) -> Any:
        if _writes_session(kwargs, "s-b"):
            raise throttle_error("SessionWrite")
        return real(**kwargs)

    faults.inject("put_item", throttle_session_b)
    faults.inject("transact_write_items", throttle_session_b)
    items = _visit("s-a", 2) + _visit("s-b", 3)
    reply = post(client, "batch", {"events": items})

    assert reply.status == 503
    assert len(stored_events()) == 5
    assert "s-b" not in stored_sessions()

    faults.clear("put_item")
    faults.clear("transact_write_items")
    assert post(client, "batch", {"events": items}).status == 200
    assert post(client, "batch", {"events": items}).status == 200

    assert len(stored_events()) == 5
    sessions = stored_sessions()
    assert (sessions["s-a"].page_views, sessions["s-b"].page_views) == (2, 3)
    assert (sessions["s-a"].events, sessions["s-b"].events) == (2, 3)


def test_throttled_write_of_a_claimed_message_reuses_the_claim_on_retry(
    client: Any, faults: Faults, sleeps: list[float]
) -> None:
    """messageId without timestamp: the claim survives the 503, so the retry keeps the first key."""

    def always_throttled(real: Callable[..., Any], kwargs: dict[str, Any], number: int) -> Any:
        raise throttle_error("BatchWriteItem")

    faults.inject("batch_write_item", always_throttled)
    body = seed("activity", messageId=str(uuid.uuid4()))
    assert post(client, "activity", body).status == 503
    assert dedup_count() == 1

    faults.clear("batch_write_item")
    first = post(client, "activity", body)
    second = post(client, "activity", body)

    assert first.status == second.status == 200
    assert first.data == second.data
    [event] = stored_events()
    assert event.ts == first.data["timestamp"]
    assert stored_sessions()["session-123"].events == 1


def test_transient_throttling_of_update_item_is_absorbed(client: Any, faults: Faults, sleeps: list[float]) -> None:
    def throttled_twice(real: Callable[..., Any], kwargs: dict[str, Any], number: int) -> Any:
        if number <= 2:
            raise throttle_error("UpdateItem")
        return real(**kwargs)

    faults.inject("update_item", throttled_twice)
    reply = post(client, "performance", seed("performance"))

    assert reply.status == 200, reply.body
    assert len(sleeps) == 2
    assert len(stored_events()) == 1


def test_non_retryable_storage_error_is_not_retried(client: Any, faults: Faults, sleeps: list[float]) -> None:
    def access_denied(real: Callable[..., Any], kwargs: dict[str, Any], number: int) -> Any:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "BatchWriteItem")

    faults.inject("batch_write_item", access_denied)
    reply = post(client, "performance", seed("performance"))

    assert reply.status == 500
    assert reply.error["code"] == "INTERNAL_ERROR"
    assert faults.calls["batch_write_item"] == 1
    assert sleeps == []
