"""Exactly once per messageId: retried requests and repeated batch items are stored and counted once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from chalicelib.domain.clock import iso
from tests.integration.ingest_support import (
    dedup_count,
    page_view,
    post,
    recent,
    seed,
    stored_events,
    stored_sessions,
)


def test_retried_request_with_message_id_and_timestamp_is_stored_once(client: Any) -> None:
    body = seed("activity", messageId=str(uuid.uuid4()), timestamp=iso(recent(10)))

    first = post(client, "activity", body)
    second = post(client, "activity", body)

    assert first.status == second.status == 200
    assert first.data == second.data == {"trackingId": body["messageId"], "timestamp": body["timestamp"]}
    assert len(stored_events()) == 1
    session = stored_sessions()["session-123"]
    assert (session.events, session.page_views) == (1, 1)
    assert dedup_count() == 0  # deterministic key: no dedup record needed


def test_message_id_is_normalised_so_case_does_not_make_a_second_item(client: Any) -> None:
    message_id, at = str(uuid.uuid4()), iso(recent(5))
    post(client, "activity", seed("activity", messageId=message_id.upper(), timestamp=at))
    post(client, "activity", seed("activity", messageId=message_id, timestamp=at))

    [event] = stored_events()
    assert event.message_id == message_id


def test_batch_repeating_a_message_id_stores_it_once_and_marks_the_repeat(client: Any) -> None:
    at = recent(20)
    first = page_view("s-dup", "https://bilten.com/a", at)
    other = page_view("s-dup", "https://bilten.com/b", at + timedelta(seconds=30))
    reply = post(client, "batch", {"events": [first, dict(first), other]})

    assert reply.status == 200, reply.body
    results = reply.data["results"]
    assert reply.data["accepted"] == 3
    assert results[1] == {
        "index": 1,
        "status": "accepted",
        "trackingId": first["messageId"],
        "timestamp": first["timestamp"],
        "duplicate": True,
    }
    assert "duplicate" not in results[0] and "duplicate" not in results[2]
    assert sorted(e.message_id for e in stored_events()) == sorted([first["messageId"], other["messageId"]])
    assert stored_sessions()["s-dup"].page_views == 2


def test_message_id_without_timestamp_is_claimed_once_and_retries_reuse_the_claim(client: Any) -> None:
    """Server time differs between attempts, so the dedup record keeps the first key."""
    body = seed("conversion", messageId=str(uuid.uuid4()))

    first = post(client, "conversion", body)
    second = post(client, "conversion", body)

    assert first.status == second.status == 200
    assert first.data == second.data
    assert first.data["trackingId"] == body["messageId"]
    [event] = stored_events()
    assert event.ts == first.data["timestamp"]
    assert dedup_count() == 1
    assert stored_sessions()["session-123"].events == 1


def test_message_id_without_timestamp_repeated_in_one_batch(client: Any) -> None:
    item = {"type": "event-interaction", **seed("event-interaction", messageId=str(uuid.uuid4()))}
    reply = post(client, "batch", {"events": [item, item]})

    assert reply.status == 200
    assert reply.data["results"][1]["duplicate"] is True
    assert reply.data["results"][0]["timestamp"] == reply.data["results"][1]["timestamp"]
    assert len(stored_events()) == 1
    assert dedup_count() == 1


def test_same_batch_posted_twice_changes_nothing_the_second_time(client: Any) -> None:
    start = recent(30)
    items = [page_view("s-twice", f"https://bilten.com/p{i}", start + timedelta(minutes=i)) for i in range(3)]
    items.append(
        {
            "type": "activity",
            "eventType": "click",
            "sessionId": "s-twice",
            "messageId": str(uuid.uuid4()),
            "timestamp": iso(start + timedelta(minutes=4)),
        }
    )
    items.append({"type": "conversion", **seed("conversion", sessionId="s-twice", messageId=str(uuid.uuid4()))})

    first = post(client, "batch", {"events": items})
    events_after_first = {(e.pk, e.sk) for e in stored_events()}
    session_after_first = stored_sessions()["s-twice"]
    second = post(client, "batch", {"events": items})

    assert first.status == second.status == 200
    assert first.data == second.data
    assert {(e.pk, e.sk) for e in stored_events()} == events_after_first
    assert len(events_after_first) == 5
    session = stored_sessions()["s-twice"]
    assert (session.page_views, session.events, session.engagements) == (3, 5, 2)
    assert session.version == session_after_first.version  # the repeat did not even rewrite it


def test_events_without_message_id_are_distinct_facts(client: Any) -> None:
    """No messageId means no identity to deduplicate on: each post is a new fact."""
    post(client, "performance", seed("performance"))
    post(client, "performance", seed("performance"))

    assert len({e.message_id for e in stored_events()}) == 2
