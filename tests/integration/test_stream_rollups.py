"""The stream handler turns stored events into roll-ups exactly once, whatever the redelivery."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from botocore.exceptions import ClientError

from chalicelib.domain.clock import iso
from chalicelib.jobs import stream
from chalicelib.store import rollups as rollup_store
from chalicelib.store.models import Rollup
from tests.streams import StreamDrainer

pytestmark = pytest.mark.usefixtures("aws")


def _events(now: datetime, count: int) -> list[dict]:
    kinds = []
    for i in range(count):
        moment = iso(now - timedelta(seconds=i * 7))
        mid = str(uuid.UUID(int=i + 1))
        if i % 5 == 0:
            kinds.append(
                {
                    "type": "conversion",
                    "conversionType": "purchase",
                    "conversionValue": 10.5,
                    "sessionId": f"s{i % 7}",
                    "eventId": f"ev{i % 3}",
                    "messageId": mid,
                    "timestamp": moment,
                }
            )
        elif i % 5 == 1:
            kinds.append(
                {
                    "type": "event-interaction",
                    "eventId": f"ev{i % 3}",
                    "interactionType": "like",
                    "sessionId": f"s{i % 7}",
                    "messageId": mid,
                    "timestamp": moment,
                }
            )
        elif i % 5 == 2:
            kinds.append(
                {
                    "type": "performance",
                    "endpoint": "/api/v1/events",
                    "responseTime": 100 + i,
                    "statusCode": 500 if i % 10 == 2 else 200,
                    "messageId": mid,
                    "timestamp": moment,
                }
            )
        else:
            kinds.append(
                {
                    "type": "activity",
                    "eventType": "page_view",
                    "sessionId": f"s{i % 7}",
                    "pageUrl": "https://bilten.com/events?utm_campaign=summer",
                    "messageId": mid,
                    "timestamp": moment,
                }
            )
    return kinds


def _post(client, events: list[dict]) -> None:
    response = client.http.post(
        "/api/v1/tracking/batch",
        body=json.dumps({"events": events}),
        headers={"Content-Type": "application/json", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"},
    )
    assert response.status_code == 200, response.body


def _snapshot() -> dict:
    out = {}
    for item in Rollup.scan():  # test-only inspection of the whole roll-up table
        if item.pk.startswith(("stream#", "catalog#")):
            continue
        raw = item.serialize()
        raw.pop("version", None)
        out[(item.pk, item.sk)] = json.dumps(raw, sort_keys=True, default=str)
    return out


def _counts_day(day: str) -> dict:
    items = rollup_store.read_family("counts", "day", f"{day}T00:00:00Z", f"{day}T00:00:00Z")
    return items[0] if items else {}


def test_counts_match_ingested_and_redelivery_changes_nothing(client) -> None:
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    events = _events(now, 40)
    _post(client, events)
    drainer = StreamDrainer()
    assert drainer.drain() == 40
    day = now.strftime("%Y-%m-%d")
    counts = _counts_day(day)
    assert counts["a:page_view"] == 16
    assert counts["c:purchase"] == 8
    assert counts["v:purchase"] == pytest.approx(84.0)
    assert counts["i:like"] == 8
    perf = rollup_store.read_family("perf", "day", f"{day}T00:00:00Z", f"{day}T00:00:00Z")[0]
    assert perf["n:/api/v1/events"] == 8
    assert perf["err:/api/v1/events"] == 4

    before = _snapshot()
    for batch in drainer.batches:  # Lambda redelivers the same batch
        response, report = stream.process_batch(batch)
        assert response == {"batchItemFailures": []}
        assert report.chunks_applied == 0
    assert _snapshot() == before

    # a retried ingest overwrites the same keys: no INSERT, nothing counted
    _post(client, events[:10])
    drainer.drain()
    assert _snapshot() == before


def test_partial_failure_reports_from_failed_chunk_and_resume_counts_once(client) -> None:
    now = datetime.now(UTC) - timedelta(hours=2)
    events = _events(now, 30)
    _post(client, events)
    drainer = StreamDrainer()
    drainer.reader.batch_size = 1000
    real_apply = rollup_store.apply_chunk
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "boom"}}, "TransactWriteItems")
        return real_apply(*args, **kwargs)

    with mock.patch.object(stream, "MAX_ITEMS_PER_CHUNK", 2), mock.patch.object(rollup_store, "apply_chunk", flaky):
        drainer.drain()
    first_response = drainer.responses[0]
    assert first_response["batchItemFailures"], "the failed chunk and everything after it must be reported"
    assert calls["n"] > 2, "the pump resumed from the reported record"
    day = now.strftime("%Y-%m-%d")
    counts = _counts_day(day)
    assert counts["a:page_view"] == 12
    assert counts["c:purchase"] == 6


def test_modify_records_are_ignored(client) -> None:
    event = {"type": "activity", "eventType": "search", "sessionId": "s1", "pageUrl": "https://bilten.com/"}
    _post(client, [event])
    drainer = StreamDrainer()
    drainer.drain()
    batch = drainer.batches[0]
    modified = json.loads(json.dumps(batch))
    for record in modified["Records"]:
        record["eventName"] = "MODIFY"
        record["eventID"] = "m-" + record["eventID"]
    before = _snapshot()
    assert stream.handle_stream_batch(modified) == {"batchItemFailures": []}
    assert _snapshot() == before
