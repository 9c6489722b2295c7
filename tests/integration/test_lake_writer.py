"""The lake writer and compaction leave exactly one row per messageId, whatever is redelivered."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from botocore.exceptions import ClientError

from chalicelib.domain.clock import iso
from chalicelib.domain.lake import event_of
from chalicelib.jobs import lake_compaction, lake_writer
from chalicelib.store import lake, rawevents
from tests.integration.analytics_support import post_batch
from tests.streams import StreamDrainer

pytestmark = pytest.mark.usefixtures("aws")


def _events(now: datetime, count: int, offset: int = 0) -> list[dict]:
    out = []
    for i in range(offset, offset + count):
        moment = iso(now - timedelta(hours=i * 7))
        base = {"sessionId": f"s{i % 5}", "messageId": str(uuid.UUID(int=i + 1)), "timestamp": moment}
        if i % 3 == 0:
            out.append({**base, "type": "conversion", "conversionType": "purchase", "conversionValue": 10.5})
        elif i % 3 == 1:
            interaction = {"eventId": "ev1", "interactionType": "like", "interactionData": {"a": [1, 2]}}
            out.append({**base, "type": "event-interaction", **interaction})
        else:
            out.append(
                {
                    **base,
                    "type": "activity",
                    "eventType": "page_view",
                    "pageUrl": "https://bilten.com/x?utm_source=news",
                }
            )
    return out


def _lake_ids(days: list[str]) -> Counter:
    table, _bytes = lake.read_days(days)
    return Counter(table.column("message_id").to_pylist())


def _etag(day: str) -> str:
    return lake.s3().head_object(Bucket="bilten-test-lake", Key=lake.day_prefix(day) + lake.COMPACTED)["ETag"]


def _days(now: datetime) -> list[str]:
    return [(now - timedelta(days=d)).strftime("%Y-%m-%d") for d in range(0, 40)]


@pytest.fixture
def drainer() -> StreamDrainer:
    lake.ensure_bucket()
    return StreamDrainer(process=lake_writer.process_batch)


def test_rows_equal_stored_events_and_redelivery_adds_nothing(client, drainer) -> None:
    now = datetime.now(UTC) - timedelta(minutes=5)
    events = _events(now, 30)
    post_batch(client, events)
    assert drainer.drain() == 30
    ids = _lake_ids(_days(now))
    assert sorted(ids) == sorted(e["messageId"] for e in events) and set(ids.values()) == {1}

    # the lake row reads back as the very StoredEvent DynamoDB holds
    table, _ = lake.read_days(_days(now))
    by_id = {row["message_id"]: event_of(row) for row in table.to_pylist()}
    for kind in ("activity", "interaction", "conversion"):
        for stored in rawevents.events_of_kind(kind, now - timedelta(days=40), now + timedelta(minutes=1)):
            assert by_id[stored.message_id] == stored

    objects_before = sorted(o.key for d in _days(now) for o in lake.list_day(d))
    for batch in drainer.batches:  # Lambda redelivers the same batch
        response, report = lake_writer.process_batch(batch)
        assert response == {"batchItemFailures": []} and report.rows == 30
    assert sorted(o.key for d in _days(now) for o in lake.list_day(d)) == objects_before
    assert set(_lake_ids(_days(now)).values()) == {1}

    # a retried ingest request: same keys, no INSERT, no row
    post_batch(client, events[:10])
    drainer.drain()
    assert set(_lake_ids(_days(now)).values()) == {1} and sum(_lake_ids(_days(now)).values()) == 30


def test_failed_write_is_reported_from_the_first_record_and_retried_once(client, drainer) -> None:
    now = datetime.now(UTC) - timedelta(minutes=5)
    post_batch(client, _events(now, 12))
    real_put = lake._put
    calls = {"n": 0}

    def flaky(key: str, body: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the batch's second day object fails after the first was written
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "x"}}, "PutObject")
        real_put(key, body)

    with mock.patch.object(lake, "_put", side_effect=flaky):
        drainer.drain()
    first = drainer.batches[0]["Records"][0]["dynamodb"]["SequenceNumber"]
    assert drainer.responses[0] == {"batchItemFailures": [{"itemIdentifier": first}]}
    assert drainer.batches[1]["Records"][0]["eventID"] == drainer.batches[0]["Records"][0]["eventID"]
    assert Counter(_lake_ids(_days(now)).values()) == {1: 12}


def test_shorter_redelivery_and_compaction_reruns_leave_one_row_per_message(client, drainer) -> None:
    now = datetime.now(UTC) - timedelta(days=2)
    events = _events(now, 24)
    post_batch(client, events)
    drainer.drain()
    batch = drainer.batches[0]
    # A redelivery from the same first record carrying only a prefix, then the rest as a new batch:
    # the rest's rows now exist twice on some day until compaction rewrites it.
    lake_writer.process_batch({"Records": batch["Records"][:10]})
    lake_writer.process_batch({"Records": batch["Records"][10:]})
    assert max(_lake_ids(_days(now)).values()) == 2

    run_at = datetime.now(UTC) + timedelta(days=1)  # every written day is closed
    first = lake_compaction.run(run_at, lookback_days=45)
    assert first["duplicates_dropped"] > 0 and first["days_compacted"] > 0
    after = _lake_ids(_days(now))
    assert sorted(after) == sorted(e["messageId"] for e in events) and set(after.values()) == {1}
    compacted = {d: [o.name for o in lake.list_day(d)] for d in _days(now) if lake.list_day(d)}
    assert all(names == [lake.COMPACTED] for names in compacted.values())
    snapshot = {d: _etag(d) for d in compacted}

    again = lake_compaction.run(run_at, lookback_days=45)
    assert again["days_compacted"] == 0 and again["objects_deleted"] == 0
    # redelivery after compaction: the covered name is skipped by readers, then cleaned up
    lake_writer.process_batch(batch)
    assert set(_lake_ids(_days(now)).values()) == {1}
    lake_compaction.run(run_at, lookback_days=45)
    assert set(_lake_ids(_days(now)).values()) == {1}
    for day, etag in snapshot.items():
        assert _etag(day) == etag


def test_compaction_interrupted_after_its_put_is_finished_by_the_next_run(client, drainer) -> None:
    now = datetime.now(UTC) - timedelta(days=3)
    post_batch(client, _events(now, 9))
    drainer.drain()
    post_batch(client, _events(now, 9, offset=100))
    drainer.drain()
    run_at = datetime.now(UTC) + timedelta(days=1)
    first_day = next(d for d in reversed(_days(now)) if lake.list_day(d))
    crash = mock.patch.object(lake.s3(), "delete_objects", side_effect=RuntimeError("crash"))
    with crash, pytest.raises(RuntimeError):
        lake_compaction.run(run_at, lookback_days=45)
    # the first day's compacted object is committed; its covered leftovers are invisible to readers
    names = [o.name for o in lake.list_day(first_day)]
    assert lake.COMPACTED in names and len(names) > 1
    etag = _etag(first_day)
    assert Counter(_lake_ids(_days(now)).values()) == {1: 18}
    report = lake_compaction.run(run_at, lookback_days=45)
    assert first_day not in report["days"] or report["days"][first_day]["inputs"] == 0
    assert [o.name for o in lake.list_day(first_day)] == [lake.COMPACTED]
    assert _etag(first_day) == etag
    assert Counter(_lake_ids(_days(now)).values()) == {1: 18}
