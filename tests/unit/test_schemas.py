"""Request models: the seed's bodies parse, every bound holds, errors use the wire (camelCase) names."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.schemas import (
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    ActivityBody,
    ConversionBody,
    HeatmapBody,
    PerformanceBody,
    bounded_json,
    json_depth,
    parse_body,
    parse_timestamp,
)

SEED_ACTIVITY = {
    "eventType": "page_view",
    "sessionId": "session-123",
    "pageUrl": "https://bilten.com/events",
    "eventData": {"referrer": "google.com", "searchTerm": "music events"},
}


def test_seed_activity_parses_into_snake_case_fields() -> None:
    body, errors = parse_body("activity", SEED_ACTIVITY)
    assert errors == []
    assert isinstance(body, ActivityBody)
    assert (body.event_type, body.session_id, body.page_url) == ("page_view", "session-123", SEED_ACTIVITY["pageUrl"])
    assert body.event_data == SEED_ACTIVITY["eventData"]
    assert body.message_id is None and body.timestamp is None


def test_seed_performance_with_null_error_message() -> None:
    body, errors = parse_body(
        "performance", {"endpoint": "/api/v1/events", "responseTime": 245, "statusCode": 200, "errorMessage": None}
    )
    assert errors == [] and isinstance(body, PerformanceBody)
    assert (body.response_time, body.status_code, body.error_message) == (245, 200, None)


def test_conversion_value_defaults_to_zero_and_keeps_cents() -> None:
    body, _ = parse_body("conversion", {"conversionType": "registration"})
    assert isinstance(body, ConversionBody) and body.conversion_value == 0
    body, _ = parse_body("conversion", {"conversionType": "purchase", "conversionValue": 99.99})
    assert isinstance(body, ConversionBody) and body.conversion_value == 99.99


def test_conversion_value_below_storable_magnitude_rounds_to_zero() -> None:
    body, errors = parse_body("conversion", {"conversionType": "purchase", "conversionValue": 1e-200})
    assert errors == [] and isinstance(body, ConversionBody)
    assert body.conversion_value == 0


def test_errors_name_wire_fields_with_prefix() -> None:
    _, errors = parse_body("heatmap", {"pageUrl": "https://a.b/", "xPosition": -1, "sessionId": "s"}, "events[3].")
    fields = {e.field: e.message for e in errors}
    assert fields["events[3].xPosition"].startswith("Input should be greater than or equal to 0")
    assert fields["events[3].yPosition"] == "is required"


def test_unknown_field_message() -> None:
    _, errors = parse_body("activity", {**SEED_ACTIVITY, "ipAddress": "1.2.3.4"})
    assert [(e.field, e.message) for e in errors] == [("ipAddress", "unknown field")]


def test_non_object_payload_names_the_item() -> None:
    assert parse_body("activity", [1])[1][0].field == "body"
    assert parse_body("activity", "x", "events[2].")[1][0].field == "events[2]"


def test_message_id_is_normalised_uuid() -> None:
    upper = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
    body, errors = parse_body("activity", {**SEED_ACTIVITY, "messageId": upper})
    assert errors == [] and body is not None
    assert body.message_id == upper.lower()


def test_strings_are_stripped_before_bounds() -> None:
    body, errors = parse_body("activity", {**SEED_ACTIVITY, "eventType": "  click  "})
    assert errors == [] and isinstance(body, ActivityBody) and body.event_type == "click"


@pytest.mark.parametrize(
    "url",
    ["https://bilten.com", "http://localhost:3000/a?b=c#d", "https://bilten.com/events?utm_source=x"],
)
def test_absolute_urls_accepted(url: str) -> None:
    assert parse_body("heatmap", {"pageUrl": url, "sessionId": "s", "xPosition": 1, "yPosition": 1})[1] == []


@pytest.mark.parametrize("url", ["/events", "ftp://bilten.com/x", "https:///path", "https://a b.com/", "mailto:x@y"])
def test_other_urls_refused(url: str) -> None:
    errors = parse_body("heatmap", {"pageUrl": url, "sessionId": "s", "xPosition": 1, "yPosition": 1})[1]
    assert [e.field for e in errors] == ["pageUrl"]


def test_heatmap_bounds() -> None:
    base = {"pageUrl": "https://a.b/", "sessionId": "s", "xPosition": 0, "yPosition": 0}
    assert isinstance(parse_body("heatmap", {**base, "scrollDepth": 100})[0], HeatmapBody)
    assert parse_body("heatmap", {**base, "scrollDepth": 101})[1][0].field == "scrollDepth"
    assert parse_body("heatmap", {**base, "hoverCount": 10_001})[1][0].field == "hoverCount"


def test_json_depth() -> None:
    assert json_depth({}) == 1
    assert json_depth({"a": 1}) == 1
    assert json_depth({"a": {"b": [1, {"c": 2}]}}) == 4
    assert json_depth({"a": []}) == 2


def test_bounded_json_limits() -> None:
    deepest: dict = {"v": 1}
    for _ in range(MAX_JSON_DEPTH - 1):
        deepest = {"n": deepest}
    assert bounded_json(deepest) is deepest
    with pytest.raises(ValueError, match="nested at most"):
        bounded_json({"n": deepest})
    with pytest.raises(ValueError, match="keys must be at most"):
        bounded_json({"a": [{"k" * 129: 1}]})
    with pytest.raises(ValueError, match="finite"):
        bounded_json({"a": [math.inf]})
    with pytest.raises(ValueError, match=f"at most {MAX_JSON_BYTES} bytes"):
        bounded_json({"a": "é" * (MAX_JSON_BYTES // 2)})  # 2 bytes each in UTF-8: counted in bytes, not characters


@given(st.recursive(st.integers() | st.text(max_size=5), lambda inner: st.lists(inner, max_size=3), max_leaves=20))
def test_json_depth_of_a_wrapped_value_grows_by_one(value: object) -> None:
    assert json_depth({"k": value}) == json_depth(value) + 1


def test_parse_timestamp_normalises_to_utc() -> None:
    assert parse_timestamp("2024-01-15T10:30:00Z") == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert parse_timestamp("2024-01-15T12:30:00+02:00") == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert parse_timestamp(" 2024-01-15T10:30:00.123z ").microsecond == 123000


@pytest.mark.parametrize("text", ["2024-01-15T10:30:00", "yesterday", "2024-13-01T00:00:00Z", "1" * 41])
def test_parse_timestamp_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)
