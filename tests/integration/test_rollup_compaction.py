"""Compaction builds hours and days that read exactly like the minutes they came from,
repeats without counting twice, and picks up late events in hours it already built."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from chalicelib.domain import tiers
from chalicelib.domain.clock import iso
from chalicelib.domain.rollups import bucket_sk
from chalicelib.domain.stored import EventFact
from chalicelib.jobs import compaction
from chalicelib.store import dynamo
from chalicelib.store import rollup_codec as codec
from chalicelib.store import rollups as rollup_store
from tests.integration.test_stream_rollups import _post
from tests.streams import StreamDrainer

pytestmark = pytest.mark.usefixtures("aws")


def _page_views(moments: list[datetime], session: str = "s1") -> list[dict]:
    return [
        {
            "type": "activity",
            "eventType": "page_view",
            "sessionId": session,
            "pageUrl": "https://bilten.com/events",
            "messageId": str(uuid.uuid4()),
            "timestamp": iso(moment),
        }
        for moment in moments
    ]


def _views(granularity: str, first: datetime, last: datetime) -> dict[str, int]:
    items = rollup_store.read_family("counts", granularity, bucket_sk(first, granularity), bucket_sk(last, granularity))
    return {item["sk"]: item.get("a:page_view", 0) for item in items}


def _stored(granularity: str, first: str, last: str) -> dict:
    return {sk: (p.counters, p.sketches) for sk, p in rollup_store.read_tier(granularity, first, last).items()}


def test_compacted_hours_and_days_read_like_their_minutes_and_rebuild_idempotently(client) -> None:
    now = datetime.now(UTC)
    start = (now - timedelta(days=2)).replace(hour=22, minute=0, second=0, microsecond=0)
    moments = [start + timedelta(minutes=7 * i) for i in range(60)]  # 7 h across midnight
    _post(client, _page_views(moments))
    StreamDrainer().drain()

    before = {g: _views(g, start, moments[-1]) for g in ("hour", "day")}
    assert sum(before["hour"].values()) == sum(before["day"].values()) == 60
    assert rollup_store.read_tier("hour", bucket_sk(start, "hour"), iso(now)) == {}, "nothing built yet"

    report = compaction.run(now)
    assert report["hours"] > 0 and report["days"] >= 1
    assert {g: _views(g, start, moments[-1]) for g in ("hour", "day")} == before
    day = bucket_sk(start, "day")
    assert _stored("day", day, day), "the closed day was built"

    stored = _stored("hour", bucket_sk(start, "hour"), iso(now))
    rollup_store.mark_compacted(bucket_sk(start - timedelta(hours=1), "hour"))  # force a rebuild of it all
    compaction.run(now)
    assert _stored("hour", bucket_sk(start, "hour"), iso(now)) == stored, "a rebuild writes the same items"
    assert {g: _views(g, start, moments[-1]) for g in ("hour", "day")} == before


def test_a_late_event_marks_its_built_hour_which_the_next_run_rebuilds(client) -> None:
    now = datetime.now(UTC)
    hour = (now - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    _post(client, _page_views([hour + timedelta(minutes=5), hour + timedelta(minutes=50)]))
    drainer = StreamDrainer()
    drainer.drain()
    compaction.run(now)
    assert _views("hour", hour, hour) == {iso(hour)[:19] + "Z": 2}

    _post(client, _page_views([hour + timedelta(minutes=20)], session="s2"))  # arrives a day late
    drainer.drain()
    marks = rollup_store.dirty_hours(10)
    assert [m[0] for m in marks] == [bucket_sk(hour, "hour")]
    assert _views("hour", hour, hour)[bucket_sk(hour, "hour")] == 2, "built hours are trusted until rebuilt"

    report = compaction.run(now)
    assert report["dirty_hours"] == 1 and report["days"] == 1
    assert _views("hour", hour, hour)[bucket_sk(hour, "hour")] == 3
    assert _views("day", hour, hour)[bucket_sk(hour, "day")] == 3
    assert rollup_store.dirty_hours(10) == []


def test_a_chunk_that_read_the_seal_before_it_moved_is_retried_with_a_mark(client) -> None:
    """The race the seal check closes: compaction seals and reads an hour between a chunk's
    read of the state and its commit. The commit must fail and come back with a mark."""
    now = datetime.now(UTC)
    hour = (now - timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    _post(client, _page_views([hour - timedelta(days=1)]))
    StreamDrainer().drain()
    assert compaction.run(now)["hours"] == 1  # seals every closed hour, builds the one with minutes
    _post(client, _page_views([hour + timedelta(minutes=1)]))
    real_load = rollup_store.load_state
    stale = rollup_store.CompactionState(
        sealed=bucket_sk(hour - timedelta(hours=1), "hour"), compacted=bucket_sk(hour - timedelta(hours=1), "hour")
    )
    calls = {"n": 0}

    def load_state(consistent: bool = True) -> rollup_store.CompactionState:
        calls["n"] += 1
        return stale if calls["n"] == 1 else real_load(consistent)

    with mock.patch.object(rollup_store, "load_state", load_state):
        StreamDrainer().drain()
    assert calls["n"] >= 2, "the stale read must have been retried"
    assert [m[0] for m in rollup_store.dirty_hours(10)] == [bucket_sk(hour, "hour")]
    compaction.run(now)
    assert _views("hour", hour, hour)[bucket_sk(hour, "hour")] == 1


def test_one_run_at_a_time() -> None:
    now = datetime.now(UTC)
    assert rollup_store.take_lease(int(now.timestamp()), 600)
    assert compaction.run(now) == {"skipped": "another compaction run holds the lease"}
    rollup_store.release_lease()
    assert "hours" in compaction.run(now)


def test_a_minute_written_late_outlives_the_compaction_that_needs_it() -> None:
    """A backfilled minute older than its nominal lifetime must still be there when the job
    builds its hour (expired items are invisible to reads)."""
    now = datetime.now(UTC)
    old = now - timedelta(days=20)
    facts = [tiers_fact(old)]
    deltas = tiers.bucket_deltas(facts)
    rollup_store.apply_chunk("chunk-1", "1", deltas, int(now.timestamp()), minute_ttl_seconds=86400)
    assert rollup_store.read_tier("minute", bucket_sk(old, "minute"), bucket_sk(old, "minute"))
    compaction.run(now)
    assert _views("hour", old, old) == {bucket_sk(old, "hour"): 1}


def tiers_fact(moment: datetime) -> EventFact:
    return EventFact("activity", "page_view", moment, session_id="s1")


def test_a_minute_too_full_for_one_item_continues_in_parts_that_read_as_one(client) -> None:
    now = datetime.now(UTC)
    minute = (now - timedelta(hours=3)).replace(second=0, microsecond=0)
    pages = [
        {**view, "pageUrl": f"https://bilten.com/events/{i}"}
        for i, view in enumerate(_page_views([minute + timedelta(seconds=i % 60) for i in range(90)]))
    ]
    drainer = StreamDrainer()
    with mock.patch.object(codec, "PART_LIMIT_BYTES", 400):
        for start in range(0, 90, 15):  # six chunks into the same minute
            _post(client, pages[start : start + 15])
            drainer.drain()
    stored = rollup_store.read_tier("minute", bucket_sk(minute, "minute"), bucket_sk(minute, "minute"))
    raw = list(
        dynamo.query_items(
            {
                "TableName": rollup_store.table(),
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :m)",
                "ExpressionAttributeValues": {
                    ":pk": {"S": rollup_store.tier_pk("minute", bucket_sk(minute, "minute"))},
                    ":m": {"S": bucket_sk(minute, "minute")},
                },
            },
            "test",
        )
    )
    assert len(raw) > 1, "the minute must have overflowed into parts"
    view = tiers.family_view(stored[bucket_sk(minute, "minute")], "counts")
    assert view["a:page_view"] == 90
    pages_view = {}
    for slot in range(8):
        pages_view.update(tiers.family_view(stored[bucket_sk(minute, "minute")], "page", f"s{slot}"))
    assert sum(v for k, v in pages_view.items() if k.startswith("pv:")) == 90
    compaction.run(now)
    assert _views("hour", minute, minute) == {bucket_sk(minute, "hour"): 90}
