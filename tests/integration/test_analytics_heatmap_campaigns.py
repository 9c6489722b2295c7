"""Heatmap reads and campaign CRUD + first-touch performance."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from chalicelib.domain.clock import iso
from tests.integration.analytics_support import auth, get, post, post_batch
from tests.streams import StreamDrainer


def _mid(n: int) -> str:
    return str(uuid.UUID(int=n))


def test_heatmap_grid_elements_and_scroll(client) -> None:
    now = datetime.now(UTC) - timedelta(minutes=5)
    points = []
    for i in range(6):
        points.append(
            {
                "type": "heatmap",
                "pageUrl": "https://bilten.com/events?page=2",
                "xPosition": 100 if i < 4 else 1100,
                "yPosition": 50,
                "viewportWidth": 1200,
                "viewportHeight": 800,
                "documentHeight": 1000,
                "elementSelector": ".event-card" if i < 4 else ".buy",
                "clickCount": 1,
                "hoverCount": 2,
                "scrollDepth": 30 + 10 * i,
                "sessionId": f"s{i % 2}",
                "messageId": _mid(i + 1),
                "timestamp": iso(now - timedelta(seconds=i)),
            }
        )
    post_batch(client, points)
    encoded = quote("https://bilten.com/events", safe="")
    status, body = get(client, f"/heatmap/{encoded}?gridSize=10", auth())
    assert status == 200, body
    data = body["data"]
    assert data["page"] == "bilten.com/events"
    assert data["totalClicks"] == 6 and data["totalHovers"] == 12
    assert {(c["x"], c["y"]): c["count"] for c in data["clickGrid"]} == {(0, 0): 4, (9, 0): 2}
    assert data["topElements"][0] == {"elementSelector": ".event-card", "clicks": 4, "hovers": 8}
    assert sum(b["sessions"] for b in data["scrollDepth"]) == 2
    assert data["scrollDepth"][0]["reachedPercent"] == 100.0
    status, body = get(client, f"/heatmap/{encoded}?gridSize=0", auth())
    assert status == 400 and body["error"]["details"][0]["field"] == "gridSize"
    status, body = get(client, "/heatmap/other.example%2Fnothing", auth())
    assert status == 200 and body["data"]["totalPoints"] == 0


def test_campaign_crud_and_first_touch_performance(client) -> None:
    status, body = post(client, "/campaigns", {"campaignId": "summer", "campaignName": "Summer"}, auth())
    assert status == 201, body
    status, body = post(client, "/campaigns", {"campaignId": "summer", "campaignName": "Again"}, auth())
    assert status == 409
    status, body = post(client, "/campaigns", {"campaignId": "x", "campaignName": "", "bogus": 1}, auth())
    assert status == 400
    assert {d["field"] for d in body["error"]["details"]} == {"campaignName", "bogus"}
    response = client.http.put(
        "/api/v1/tracking/campaigns/summer",
        body='{"campaignSource": "google", "isActive": false}',
        headers={"Content-Type": "application/json", **auth()},
    )
    assert response.status_code == 200
    status, body = get(client, "/campaigns", auth())
    assert [c["campaignId"] for c in body["data"]["campaigns"]] == ["summer"]
    assert body["data"]["campaigns"][0]["campaignSource"] == "google"

    now = datetime.now(UTC) - timedelta(minutes=10)
    events = [
        {
            "type": "activity",
            "eventType": "page_view",
            "sessionId": "v1",
            "pageUrl": "https://bilten.com/?utm_campaign=summer&utm_source=google",
            "messageId": _mid(1),
            "timestamp": iso(now),
        },
        {
            "type": "activity",
            "eventType": "page_view",
            "sessionId": "v1",
            "pageUrl": "https://bilten.com/events",
            "messageId": _mid(2),
            "timestamp": iso(now + timedelta(seconds=30)),
        },
    ]
    post_batch(client, events)
    StreamDrainer().drain()
    purchase = {
        "type": "conversion",
        "conversionType": "purchase",
        "conversionValue": 50,
        "sessionId": "v1",
        "messageId": _mid(3),
        "timestamp": iso(now + timedelta(seconds=60)),
    }
    other = {**purchase, "sessionId": "v2", "messageId": _mid(4)}  # no campaign at all
    post_batch(client, [purchase, other])
    StreamDrainer().drain()
    status, body = get(client, "/campaigns/summer/performance?timeRange=7d", auth())
    assert status == 200, body
    perf = body["data"]
    assert perf["sessions"] == 1
    assert perf["pageViews"] == 2
    assert perf["conversions"] == 1  # the purchase without UTM still counts: first touch of session v1
    assert perf["revenue"] == 50.0
    assert perf["conversionRate"] == 100.0

    response = client.http.delete("/api/v1/tracking/campaigns/summer", headers=auth())
    assert response.status_code == 200
    status, body = get(client, "/campaigns/summer", auth())
    assert status == 404
