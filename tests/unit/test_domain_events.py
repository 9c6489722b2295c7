"""From validated body to keyed, enriched fact: deterministic keys, shards, enrichment, time bounds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.events import (
    IngestPolicy,
    RequestFacts,
    build_event,
    heatmap_page_key,
    key_name,
    partition_key,
    partition_keys,
    shard_of,
)
from chalicelib.domain.useragent import UserAgentFacts
from chalicelib.schemas import parse_body

NOW = datetime(2024, 1, 15, 10, 30, 0, 250_000, tzinfo=UTC)
POLICY = IngestPolicy(
    shard_count=4, retention_days=365, max_event_age=timedelta(days=7), max_clock_skew=timedelta(minutes=10)
)
CHROME = UserAgentFacts(browser="Chrome", os="Windows", device="desktop", is_bot=False)


def facts(user_id: str | None = None) -> RequestFacts:
    return RequestFacts(now=NOW, user_id=user_id, ip_hash="h" * 32, agent=CHROME)


def build(kind: str, payload: dict[str, Any], user_id: str | None = None) -> Any:
    body, errors = parse_body(kind, payload)
    assert errors == [], errors
    assert body is not None
    return build_event(body.to_input(), facts(user_id), POLICY)


def test_client_keyed_event_has_deterministic_key() -> None:
    message_id = str(uuid.uuid4())
    payload = {"eventType": "page_view", "sessionId": "s-1", "messageId": message_id, "timestamp": "2024-01-15T09:00Z"}
    first, _ = build("activity", payload)
    second, _ = build("activity", payload)

    assert (first.pk, first.sk) == (second.pk, second.sk)
    assert first.sk == f"2024-01-15T09:00:00.000Z#{message_id}"
    assert first.pk == f"activity/page_view#2024-01-15#{shard_of(message_id, 4)}"
    assert first.client_keyed is True
    assert first.ts == "2024-01-15T09:00:00.000Z"


def test_server_time_and_id_without_client_identity() -> None:
    event, _ = build("activity", {"eventType": "click", "sessionId": "s-1"})
    assert event.ts == "2024-01-15T10:30:00.250Z"
    assert uuid.UUID(event.message_id)
    assert event.client_keyed is False
    assert event.expires_at == int((NOW + timedelta(days=365)).timestamp())


def test_message_id_without_timestamp_is_not_client_keyed() -> None:
    event, _ = build("activity", {"eventType": "click", "sessionId": "s-1", "messageId": str(uuid.uuid4())})
    assert event.client_keyed is False


def test_timestamp_bounds() -> None:
    body, _ = parse_body("activity", {"eventType": "x", "sessionId": "s", "timestamp": "2024-01-15T10:39:59Z"})
    assert build_event(body.to_input(), facts(), POLICY)[1] == []  # inside the allowed clock skew
    body, _ = parse_body("activity", {"eventType": "x", "sessionId": "s", "timestamp": "2024-01-15T10:41:00Z"})
    event, errors = build_event(body.to_input(), facts(), POLICY)
    assert event is None and [(e.field, e.message) for e in errors] == [("timestamp", "is in the future")]
    body, _ = parse_body("activity", {"eventType": "x", "sessionId": "s", "timestamp": "2024-01-08T10:00:00Z"})
    event, errors = build_event(body.to_input(), facts(), POLICY)
    assert event is None and errors[0].message == "is older than 7 days"


def test_anonymous_browser_event_is_indexed_by_session_and_enriched() -> None:
    event, _ = build(
        "activity",
        {
            "eventType": "page_view",
            "sessionId": "s-1",
            "pageUrl": "https://bilten.com/events?utm_source=news&utm_campaign=summer",
            "eventData": {"referrer": "https://www.google.com/"},
        },
    )
    attrs = event.attributes
    assert attrs["anon_session_id"] == "s-1" and "user_id" not in attrs
    assert (attrs["page_path"], attrs["utm_source"], attrs["utm_campaign"]) == ("/events", "news", "summer")
    assert (attrs["referrer"], attrs["referrer_domain"]) == ("https://www.google.com/", "google.com")
    assert (attrs["browser"], attrs["os"], attrs["device"], attrs["ip_hash"]) == (
        "Chrome",
        "Windows",
        "desktop",
        "h" * 32,
    )
    assert None not in attrs.values()


def test_signed_in_event_carries_user_not_anonymous_session() -> None:
    event, _ = build("event-interaction", {"eventId": "e-1", "interactionType": "like", "sessionId": "s-1"}, "u-1")
    assert event.user_id == "u-1"
    assert "anon_session_id" not in event.attributes
    assert (event.kind, event.name, event.attributes["event_id"]) == ("interaction", "like", "e-1")


def test_conversion_campaign_from_utm_when_not_given() -> None:
    event, _ = build(
        "conversion",
        {"conversionType": "purchase", "conversionValue": 10, "pageUrl": "https://bilten.com/?utm_campaign=spring"},
    )
    assert event.attributes["campaign_id"] == "spring"
    explicit, _ = build(
        "conversion",
        {"conversionType": "purchase", "campaignId": "summer2024", "pageUrl": "https://bilten.com/?utm_campaign=x"},
    )
    assert explicit.attributes["campaign_id"] == "summer2024"


def test_event_id_for_activity_comes_from_event_data() -> None:
    event, _ = build("activity", {"eventType": "event_click", "sessionId": "s", "eventData": {"eventId": "event-123"}})
    assert event.attributes["event_id"] == "event-123"


def test_performance_sample_carries_no_visitor_facts() -> None:
    event, _ = build("performance", {"endpoint": "/api/v1/events", "responseTime": 245, "statusCode": 500})
    assert (event.kind, event.name) == ("performance", "/api/v1/events")
    assert not {"ip_hash", "browser", "session_id", "anon_session_id", "page_path"} & set(event.attributes)
    assert event.attributes["status_code"] == 500


def test_heatmap_name_is_page_host_and_path() -> None:
    event, _ = build(
        "heatmap", {"pageUrl": "https://Bilten.com/events?x=1#top", "sessionId": "s", "xPosition": 1, "yPosition": 2}
    )
    assert event.name == "bilten.com/events"
    assert event.pk.startswith("heatmap/bilten.com/events#2024-01-15#")


def test_heatmap_page_key_is_bounded() -> None:
    assert heatmap_page_key("https://bilten.com") == "bilten.com/"
    long_key = heatmap_page_key("https://bilten.com/" + "a" * 1000)
    assert len(long_key) == 401
    assert long_key != heatmap_page_key("https://bilten.com/" + "a" * 999)


def test_key_name_escapes_the_separator() -> None:
    assert key_name("/a#b%c") == "/a%23b%25c"
    assert partition_key("performance", "/a#b", "2024-01-15", 2) == "performance//a%23b#2024-01-15#2"
    assert partition_key("performance", "/a#b", "2024-01-15", 2).count("#") == 2


def test_partition_keys_cover_every_shard() -> None:
    keys = partition_keys("activity", "page_view", "2024-01-15", 3)
    assert keys == [f"activity/page_view#2024-01-15#{s}" for s in range(3)]


@given(st.uuids().map(str), st.integers(min_value=1, max_value=256))
def test_shard_is_stable_and_in_range(message_id: str, shard_count: int) -> None:
    shard = shard_of(message_id, shard_count)
    assert 0 <= shard < shard_count
    assert shard == shard_of(message_id, shard_count)


def test_shards_spread_load() -> None:
    counts = [0] * 4
    for i in range(4000):
        counts[shard_of(str(uuid.UUID(int=i * 7919)), 4)] += 1
    assert min(counts) > 800
