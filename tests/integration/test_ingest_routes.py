"""Each ingest route with the seed's example body: the success envelope, and the stored fact read back."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.config import get_settings
from chalicelib.domain.clock import parse_iso
from chalicelib.store import catalog
from tests.integration.ingest_support import SEED_BODIES, post, stored_events

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# route → (message, stored kind, stored name, attributes the stored item must carry)
EXPECTED: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "activity": (
        "Activity tracked successfully",
        "activity",
        "page_view",
        {
            "page_url": "https://bilten.com/events",
            "page_path": "/events",
            "data": {"referrer": "google.com", "searchTerm": "music events"},
            "referrer": "google.com",
            "referrer_domain": "google.com",
            "session_id": "session-123",
            "anon_session_id": "session-123",
        },
    ),
    "event-interaction": (
        "Event interaction tracked successfully",
        "interaction",
        "view",
        {
            "event_id": "event-uuid",
            "data": {"duration": 45, "scrollDepth": 75},
            "session_id": "session-123",
            "anon_session_id": "session-123",
        },
    ),
    "conversion": (
        "Conversion tracked successfully",
        "conversion",
        "purchase",
        {
            "value": 99.99,
            "campaign_id": "summer2024",
            "data": {"orderId": "order-123", "ticketCount": 2},
            "session_id": "session-123",
        },
    ),
    "performance": (
        "Performance metric tracked successfully",
        "performance",
        "/api/v1/events",
        {"endpoint": "/api/v1/events", "response_time": 245, "status_code": 200, "error_message": None},
    ),
    "heatmap": (
        "Heatmap data tracked successfully",
        "heatmap",
        "bilten.com/events",
        {
            "page_url": "https://bilten.com/events",
            "x": 150,
            "y": 200,
            "element_selector": ".event-card",
            "click_count": 1,
            "hover_count": 3,
            "scroll_depth": 75,
            "session_id": "session-123",
        },
    ),
}


@pytest.mark.parametrize("route", list(SEED_BODIES))
def test_seed_body_is_tracked_and_stored(client: Any, route: str) -> None:
    message, kind, name, attributes = EXPECTED[route]
    reply = post(client, route, SEED_BODIES[route])

    assert reply.status == 200, reply.body
    assert reply.body["success"] is True
    assert reply.body["message"] == message
    tracking_id, timestamp = reply.data["trackingId"], reply.data["timestamp"]
    assert UUID.match(tracking_id)
    assert ISO_MS.match(timestamp)

    [event] = stored_events()
    day = timestamp[:10]
    assert (event.kind, event.name, event.message_id, event.ts) == (kind, name, tracking_id, timestamp)
    assert event.sk == f"{timestamp}#{tracking_id}"
    assert re.fullmatch(rf"{re.escape(kind)}/{re.escape(name)}#{day}#\d+", event.pk)
    assert 0 <= int(event.pk.rsplit("#", 1)[1]) < get_settings().shard_count
    for attribute, value in attributes.items():
        assert getattr(event, attribute) == value, attribute
    assert event.user_id is None  # anonymous: no token
    expected_expiry = parse_iso(timestamp) + timedelta(days=get_settings().retention_days)
    assert abs((event.expires_at - expected_expiry).total_seconds()) < 1
    if kind == "performance":
        # Server-side samples: no visitor facts, no session.
        assert event.ip_hash is None and event.session_id is None and event.browser is None
    else:
        assert event.ip_hash and len(event.ip_hash) == 32
        assert event.browser and event.device
    assert name in catalog.names_on(day, kind)


def test_batch_of_all_kinds_is_accepted_item_by_item(client: Any) -> None:
    items = [{"type": route, **body} for route, body in SEED_BODIES.items()]
    reply = post(client, "batch", {"events": items})

    assert reply.status == 200, reply.body
    assert reply.body["message"] == "Batch tracked"
    assert (reply.data["accepted"], reply.data["rejected"]) == (5, 0)
    results = reply.data["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert all(r["status"] == "accepted" and UUID.match(r["trackingId"]) for r in results)

    by_id = {e.message_id: e for e in stored_events()}
    assert len(by_id) == 5
    for result, (route, _) in zip(results, SEED_BODIES.items(), strict=True):
        _, kind, name, attributes = EXPECTED[route]
        event = by_id[result["trackingId"]]
        assert (event.kind, event.name, event.ts) == (kind, name, result["timestamp"])
        for attribute, value in attributes.items():
            assert getattr(event, attribute) == value, (route, attribute)


def test_text_plain_body_from_send_beacon_is_accepted(client: Any) -> None:
    """navigator.sendBeacon posts strings as text/plain."""
    import json

    response = client.http.post(
        "/api/v1/tracking/activity",
        headers={"Content-Type": "text/plain;charset=UTF-8"},
        body=json.dumps(SEED_BODIES["activity"]).encode(),
    )
    assert response.status_code == 200, response.body
    assert len(stored_events()) == 1
