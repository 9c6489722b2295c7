"""Sessions upserted at ingest: inactivity splits a visit; entry/exit, first-touch UTM, bounce, duration."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from chalicelib.domain.clock import iso
from tests.integration.ingest_support import page_view, post, recent, stored_sessions


def test_a_visit_across_requests_with_a_long_pause(client: Any) -> None:
    start = recent(120)
    landing = "https://bilten.com/events?utm_source=newsletter&utm_medium=email&utm_campaign=summer2024"
    first_request = [
        page_view("s-visit", landing, start, referrer="https://www.google.com/search?q=music"),
        page_view("s-visit", "https://bilten.com/events/42", start + timedelta(minutes=5)),
        {
            "type": "event-interaction",
            "eventId": "event-42",
            "interactionType": "like",
            "sessionId": "s-visit",
            "messageId": str(uuid.uuid4()),
            "timestamp": iso(start + timedelta(minutes=6)),
        },
        page_view("s-visit", "https://bilten.com/checkout?utm_source=other", start + timedelta(minutes=10)),
    ]
    assert post(client, "batch", {"events": first_request}).status == 200
    # 40 minutes of silence (> 30): the next page view opens a new visit.
    later = page_view("s-visit", "https://bilten.com/events?utm_source=twitter", start + timedelta(minutes=50))
    assert post(client, "batch", {"events": [later]}).status == 200

    sessions = stored_sessions()
    assert set(sessions) == {"s-visit", "s-visit~0"}
    closed, current = sessions["s-visit~0"], sessions["s-visit"]

    assert (closed.page_views, closed.events, closed.engagements) == (3, 4, 1)
    assert (closed.entry_page, closed.exit_page) == ("/events", "/checkout")
    assert (closed.utm_source, closed.utm_medium, closed.utm_campaign) == ("newsletter", "email", "summer2024")
    assert (closed.referrer_domain, closed.first_seen) == ("google.com", iso(start))
    assert closed.duration == 600
    assert closed.bounce is False

    assert current.segment == 1
    assert (current.page_views, current.events, current.duration) == (1, 1, 0)
    assert (current.entry_page, current.exit_page) == ("/events", "/events")
    assert current.utm_source == "twitter"  # a new visit has its own first touch
    assert current.bounce is True
    assert current.first_seen == later["timestamp"]


def test_single_page_view_bounces_and_a_click_saves_it(client: Any) -> None:
    at = recent(15)
    post(client, "batch", {"events": [page_view("s-bounce", "https://bilten.com/", at)]})
    assert stored_sessions()["s-bounce"].bounce is True

    click = {
        "type": "activity",
        "eventType": "button_click",
        "sessionId": "s-bounce",
        "messageId": str(uuid.uuid4()),
        "timestamp": iso(at + timedelta(seconds=20)),
        "eventData": {"buttonId": "buy-ticket"},
    }
    post(client, "batch", {"events": [click]})
    session = stored_sessions()["s-bounce"]
    assert session.bounce is False
    assert (session.page_views, session.events, session.duration) == (1, 2, 20)


def test_performance_samples_do_not_touch_sessions(client: Any) -> None:
    post(
        client, "performance", {"endpoint": "/api/v1/events", "responseTime": 5, "statusCode": 200, "sessionId": "s-p"}
    )
    assert stored_sessions() == {}
