"""GET /real-time answers from roll-ups with the seed's shape, and equals what was ingested."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.clock import iso
from tests.integration.analytics_support import auth, get, post_batch
from tests.streams import StreamDrainer


def _mid(n: int) -> str:
    return str(uuid.UUID(int=n))


@pytest.fixture
def ingested(client):
    now = datetime.now(UTC)
    events = []
    for i in range(12):
        events.append(
            {
                "type": "activity",
                "eventType": "page_view" if i % 3 else "search",
                "sessionId": f"sess-{i % 4}",
                "pageUrl": "https://bilten.com/events",
                "messageId": _mid(i + 1),
                "timestamp": iso(now - timedelta(seconds=20 * i)),
            }
        )
    for i in range(3):
        events.append(
            {
                "type": "conversion",
                "conversionType": "purchase",
                "conversionValue": 99.99,
                "sessionId": f"sess-{i}",
                "messageId": _mid(100 + i),
                "timestamp": iso(now - timedelta(seconds=30 * i)),
            }
        )
    for i in range(6):
        events.append(
            {
                "type": "performance",
                "endpoint": "/api/v1/events",
                "responseTime": 100 * (i + 1),
                "statusCode": 503 if i == 5 else 200,
                "messageId": _mid(200 + i),
                "timestamp": iso(now - timedelta(seconds=10 * i)),
            }
        )
    old = iso(now - timedelta(hours=3))
    events.append(
        {"type": "activity", "eventType": "page_view", "sessionId": "old", "messageId": _mid(999), "timestamp": old}
    )
    post_batch(client, events)
    StreamDrainer().drain()
    return events


def test_real_time_counts_equal_ingested(client, ingested) -> None:
    status, body = get(client, "/real-time?timeRange=1h", auth())
    assert status == 200, body
    data = body["data"]
    assert set(data) == {
        "timeRange",
        "realTimeActivity",
        "realTimeConversions",
        "realTimeInteractions",
        "activeSessions",
        "performanceMetrics",
        "lastUpdated",
    }
    assert data["timeRange"] == "1h"
    by_type: dict[str, int] = {}
    for row in data["realTimeActivity"]:
        assert set(row) == {"event_type", "count", "time_bucket"}
        assert row["time_bucket"].endswith(":00Z")
        by_type[row["event_type"]] = by_type.get(row["event_type"], 0) + row["count"]
    assert by_type == {"page_view": 8, "search": 4}
    conversions = data["realTimeConversions"]
    assert sum(r["count"] for r in conversions) == 3
    assert sum(r["total_value"] for r in conversions) == pytest.approx(299.97)
    assert set(conversions[0]) == {"conversion_type", "count", "total_value", "time_bucket"}
    assert data["activeSessions"] == 4
    (perf,) = data["performanceMetrics"]
    assert perf["endpoint"] == "/api/v1/events"
    assert perf["request_count"] == 6
    assert perf["error_count"] == 1
    assert perf["avg_response_time"] == 350
    assert 500 <= perf["p95_response_time"] <= 600

    status, body = get(client, "/real-time?timeRange=24h", auth())
    total = sum(r["count"] for r in body["data"]["realTimeActivity"])
    assert total == 13  # the 3-hour-old page view is inside 24 h, not 1 h


def test_real_time_event_type_filter(client, ingested) -> None:
    status, body = get(client, "/real-time?timeRange=1h&eventTypes=search", auth())
    assert status == 200
    assert {r["event_type"] for r in body["data"]["realTimeActivity"]} == {"search"}


@pytest.mark.parametrize(
    "query, field",
    [("timeRange=2h", "timeRange"), ("eventTypes=bad%20name", "eventTypes"), ("userId=%24%24", "userId"), ("x=1", "x")],
)
def test_real_time_rejects_bad_query(client, query, field) -> None:
    status, body = get(client, f"/real-time?{query}", auth())
    assert status == 400
    assert body["error"]["details"][0]["field"] == field


def test_real_time_interactions_equal_the_interactions_ingested(client) -> None:
    now = datetime.now(UTC)
    kinds = ["like", "share", "like", "bookmark", "like", "share", "view"]
    events = [
        {
            "type": "event-interaction",
            "eventId": "ev-1" if i % 2 else "ev-2",
            "interactionType": kind,
            "sessionId": f"s-{i % 3}",
            "messageId": _mid(500 + i),
            "timestamp": iso(now - timedelta(seconds=40 * i)),
        }
        for i, kind in enumerate(kinds)
    ]
    old = {**events[0], "messageId": _mid(600), "timestamp": iso(now - timedelta(hours=3))}
    post_batch(client, [*events, old])
    StreamDrainer().drain()

    def totals(query: str) -> dict[str, int]:
        status, body = get(client, f"/real-time?{query}", auth())
        assert status == 200, body
        out: dict[str, int] = {}
        for row in body["data"]["realTimeInteractions"]:
            assert set(row) == {"interaction_type", "count", "time_bucket"}
            out[row["interaction_type"]] = out.get(row["interaction_type"], 0) + row["count"]
        return out

    def reference(event_id: str | None = None) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in events:
            if event_id is None or e["eventId"] == event_id:
                out[e["interactionType"]] = out.get(e["interactionType"], 0) + 1
        return out

    assert totals("timeRange=1h") == reference()
    assert totals("timeRange=24h") == {**reference(), "like": reference()["like"] + 1}
    assert totals("timeRange=1h&eventId=ev-1") == reference("ev-1")
    assert totals("timeRange=1h&eventTypes=like") == {"like": reference()["like"]}
