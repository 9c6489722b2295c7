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


def test_a_many_visit_batch_writes_its_sessions_together_and_survives_a_conflict(client: Any) -> None:
    """A relay's batch spans visits: their sessions go in one transaction. If one session
    changed after it was read, nothing of the transaction lands; all are re-read, re-folded,
    and every count is right once."""
    from unittest import mock

    from chalicelib.store import sessions as session_store

    at = recent(30)
    post(client, "batch", {"events": [page_view("s-a", "https://bilten.com/", at)]})
    real_load = session_store.load_sessions
    calls = {"n": 0}

    def stale_then_real(session_ids: list[str]) -> dict:
        calls["n"] += 1
        states = real_load(session_ids)
        if calls["n"] == 1:  # as if another request bumped s-a right after this read
            post(client, "batch", {"events": [page_view("s-a", "https://bilten.com/about", at + timedelta(minutes=1))]})
        return states

    events = [page_view(f"s-{name}", "https://bilten.com/events", at + timedelta(minutes=2)) for name in "abc"]
    with mock.patch.object(session_store, "load_sessions", stale_then_real):
        assert post(client, "batch", {"events": events}).status == 200
    sessions = stored_sessions()
    assert calls["n"] >= 3, "the first read, the interleaved request's, then a re-read after the conflict"
    assert (sessions["s-a"].page_views, sessions["s-b"].page_views, sessions["s-c"].page_views) == (3, 1, 1)
    assert sessions["s-a"].exit_page == "/events"
