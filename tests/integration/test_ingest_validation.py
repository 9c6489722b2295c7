"""Bad input is answered 4xx naming the offending field, never 500, and nothing is half-written."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from chalicelib.config import get_settings
from chalicelib.domain.clock import iso
from chalicelib.store import catalog, dynamo
from chalicelib.store.models import Rollup
from tests.integration.ingest_support import (
    SEED_BODIES,
    dedup_count,
    post,
    scan_raw,
    seed,
    stored_events,
    stored_sessions,
)


def _without(route: str, field: str) -> dict[str, Any]:
    body = seed(route)
    body.pop(field)
    return body


def _nested(depth: int) -> dict[str, Any]:
    value: Any = 1
    for level in range(depth):
        value = {f"k{level}": value}
    return value


def _days_ago(days: float) -> str:
    return iso(datetime.now(UTC) - timedelta(days=days))


PERF_ITEM = {"type": "performance", "endpoint": "/x", "responseTime": 1, "statusCode": 200}

# (route, body, status, field that must be named). Every case is a distinct way to be wrong.
BAD_INPUTS: list[Any] = [
    # missing required fields, per kind
    pytest.param("activity", _without("activity", "eventType"), 400, "eventType", id="activity-missing-eventType"),
    pytest.param("activity", _without("activity", "sessionId"), 400, "sessionId", id="activity-missing-sessionId"),
    pytest.param(
        "event-interaction", _without("event-interaction", "eventId"), 400, "eventId", id="interaction-missing-eventId"
    ),
    pytest.param(
        "event-interaction",
        _without("event-interaction", "interactionType"),
        400,
        "interactionType",
        id="interaction-missing-interactionType",
    ),
    pytest.param(
        "conversion", _without("conversion", "conversionType"), 400, "conversionType", id="conversion-missing-type"
    ),
    pytest.param(
        "performance", _without("performance", "endpoint"), 400, "endpoint", id="performance-missing-endpoint"
    ),
    pytest.param(
        "performance", _without("performance", "responseTime"), 400, "responseTime", id="performance-missing-time"
    ),
    pytest.param(
        "performance", _without("performance", "statusCode"), 400, "statusCode", id="performance-missing-statusCode"
    ),
    pytest.param("heatmap", _without("heatmap", "pageUrl"), 400, "pageUrl", id="heatmap-missing-pageUrl"),
    pytest.param("heatmap", _without("heatmap", "xPosition"), 400, "xPosition", id="heatmap-missing-xPosition"),
    # wrong types
    pytest.param("activity", seed("activity", eventType=123), 400, "eventType", id="eventType-number"),
    pytest.param("activity", seed("activity", eventData=["a", "b"]), 400, "eventData", id="eventData-array"),
    pytest.param("activity", seed("activity", eventData="text"), 400, "eventData", id="eventData-string"),
    pytest.param("performance", seed("performance", responseTime="fast"), 400, "responseTime", id="responseTime-text"),
    pytest.param(
        "performance", seed("performance", responseTime=24.5), 400, "responseTime", id="responseTime-fraction"
    ),
    pytest.param("conversion", seed("conversion", conversionValue="lots"), 400, "conversionValue", id="value-text"),
    pytest.param("activity", seed("activity", messageId=42), 400, "messageId", id="messageId-number"),
    # out-of-range numbers
    pytest.param("conversion", seed("conversion", conversionValue=-1), 400, "conversionValue", id="value-negative"),
    pytest.param("conversion", seed("conversion", conversionValue=2e9), 400, "conversionValue", id="value-huge"),
    pytest.param("performance", seed("performance", responseTime=-5), 400, "responseTime", id="responseTime-negative"),
    pytest.param(
        "performance", seed("performance", responseTime=600_001), 400, "responseTime", id="responseTime-too-large"
    ),
    pytest.param("performance", seed("performance", statusCode=99), 400, "statusCode", id="statusCode-99"),
    pytest.param("performance", seed("performance", statusCode=600), 400, "statusCode", id="statusCode-600"),
    pytest.param("heatmap", seed("heatmap", scrollDepth=101), 400, "scrollDepth", id="scrollDepth-101"),
    pytest.param("heatmap", seed("heatmap", xPosition=-1), 400, "xPosition", id="xPosition-negative"),
    pytest.param("heatmap", seed("heatmap", yPosition=-200), 400, "yPosition", id="yPosition-negative"),
    pytest.param("heatmap", seed("heatmap", clickCount=-1), 400, "clickCount", id="clickCount-negative"),
    pytest.param("heatmap", seed("heatmap", viewportWidth=0), 400, "viewportWidth", id="viewportWidth-zero"),
    # strings: length, charset, format
    pytest.param("activity", seed("activity", eventType="e" * 65), 400, "eventType", id="eventType-too-long"),
    pytest.param("activity", seed("activity", eventType="page view!"), 400, "eventType", id="eventType-bad-chars"),
    pytest.param("activity", seed("activity", eventType="   "), 400, "eventType", id="eventType-blank"),
    pytest.param("activity", seed("activity", sessionId="s" * 129), 400, "sessionId", id="sessionId-too-long"),
    pytest.param(
        "performance", seed("performance", errorMessage="x" * 1025), 400, "errorMessage", id="errorMessage-too-long"
    ),
    pytest.param("performance", seed("performance", endpoint="/a b"), 400, "endpoint", id="endpoint-whitespace"),
    pytest.param("performance", seed("performance", method="FETCH"), 400, "method", id="method-unknown"),
    pytest.param("conversion", seed("conversion", currency="usd"), 400, "currency", id="currency-lowercase"),
    pytest.param("activity", seed("activity", pageUrl="bilten.com/events"), 400, "pageUrl", id="pageUrl-relative"),
    pytest.param("heatmap", seed("heatmap", pageUrl="javascript:alert(1)"), 400, "pageUrl", id="pageUrl-javascript"),
    pytest.param(
        "activity",
        seed("activity", pageUrl="https://bilten.com/" + "p" * 2048),
        400,
        "pageUrl",
        id="pageUrl-too-long",
    ),
    pytest.param("activity", seed("activity", messageId="not-a-uuid"), 400, "messageId", id="messageId-not-uuid"),
    # timestamps
    pytest.param("activity", seed("activity", timestamp="yesterday"), 400, "timestamp", id="timestamp-garbage"),
    pytest.param(
        "activity", seed("activity", timestamp="2024-01-15T10:30:00"), 400, "timestamp", id="timestamp-no-zone"
    ),
    pytest.param(
        "activity",
        seed("activity", timestamp=_days_ago(get_settings().max_event_age_days + 1)),
        400,
        "timestamp",
        id="timestamp-too-old",
    ),
    pytest.param("activity", seed("activity", timestamp=_days_ago(-1)), 400, "timestamp", id="timestamp-future"),
    # free-form JSON bounds
    pytest.param(
        "activity", seed("activity", eventData={"blob": "x" * 33_000}), 400, "eventData", id="eventData-over-32KB"
    ),
    pytest.param(
        "event-interaction",
        seed("event-interaction", interactionData=_nested(7)),
        400,
        "interactionData",
        id="interactionData-too-deep",
    ),
    pytest.param(
        "conversion",
        seed("conversion", conversionData={"k" * 129: 1}),
        400,
        "conversionData",
        id="conversionData-key-too-long",
    ),
    pytest.param(
        "activity", b'{"eventType":"x","sessionId":"s","eventData":{"a":[NaN]}}', 400, "eventData", id="data-NaN"
    ),
    pytest.param(
        "activity", b'{"eventType":"x","sessionId":"s","eventData":{"a":1e400}}', 400, "eventData", id="data-Infinity"
    ),
    pytest.param(
        "conversion",
        b'{"conversionType":"purchase","conversionValue":Infinity}',
        400,
        "conversionValue",
        id="value-inf",
    ),
    # unknown fields (userId is never taken from the body)
    pytest.param("activity", seed("activity", userId="u-1"), 400, "userId", id="unknown-userId"),
    pytest.param("heatmap", seed("heatmap", xposition=1), 400, "xposition", id="unknown-field-typo"),
    # the body itself
    pytest.param("activity", [SEED_BODIES["activity"]], 400, "body", id="body-array"),
    pytest.param("conversion", b'"purchase"', 400, "body", id="body-string"),
    pytest.param("activity", b'{"eventType": "page_view",', 400, "body", id="body-invalid-json"),
    pytest.param("activity", b"", 400, "body", id="body-empty"),
    pytest.param("activity", b"\xff\xfe\x00{", 400, "body", id="body-not-utf8"),
    pytest.param(
        "activity", seed("activity", eventData={"blob": "x" * 70_000}), 413, "body", id="single-body-over-64KB"
    ),
    # batch envelope
    pytest.param("batch", {"events": [PERF_ITEM] * 501}, 400, "events", id="batch-501-events"),
    pytest.param(
        "batch",
        {"events": [{"type": "activity", "eventType": "x", "sessionId": "s", "eventData": {"p": "x" * 600_000}}]},
        413,
        "body",
        id="batch-body-over-512KB",
    ),
    pytest.param("batch", {"events": {"type": "activity"}}, 400, "events", id="batch-events-object"),
    pytest.param("batch", {"events": []}, 400, "events", id="batch-events-empty"),
    pytest.param("batch", {}, 400, "events", id="batch-events-missing"),
    pytest.param("batch", [PERF_ITEM], 400, "body", id="batch-body-array"),
    pytest.param("batch", {"events": [PERF_ITEM], "extra": 1}, 400, "extra", id="batch-unknown-field"),
    pytest.param("batch", {"events": [dict(SEED_BODIES["activity"])]}, 400, "events[0].type", id="batch-no-type"),
    pytest.param(
        "batch", {"events": [{**SEED_BODIES["activity"], "type": "pageview"}]}, 400, "events[0].type", id="batch-type"
    ),
    pytest.param("batch", {"events": [42]}, 400, "events[0].type", id="batch-item-not-object"),
    pytest.param(
        "batch",
        {"events": [{**SEED_BODIES["performance"], "type": "performance", "statusCode": 600}]},
        400,
        "events[0].statusCode",
        id="batch-item-bad-field",
    ),
]


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    """One in-process stack for the module: refusals write nothing, so sharing it is safe (and asserted)."""
    from chalice.test import Client

    from app import app
    from chalicelib.store.tables import create_tables

    with mock_aws():
        dynamo.reset_client()
        catalog.forget()
        create_tables()
        with Client(app) as test_client:
            yield test_client
        dynamo.reset_client()


@pytest.fixture
def client(stack: Any) -> Any:
    """The shared stack with empty tables, for tests that store something."""
    from chalicelib.store.tables import create_tables, delete_tables

    delete_tables()
    catalog.forget()
    create_tables()
    return stack


def test_at_least_thirty_distinct_bad_inputs() -> None:
    ids = [case.id for case in BAD_INPUTS]
    assert len(set(ids)) == len(ids) >= 30


@pytest.mark.parametrize(("route", "body", "status", "field"), BAD_INPUTS)
def test_bad_input_is_refused_naming_the_field(stack: Any, route: str, body: Any, status: int, field: str) -> None:
    reply = post(stack, route, body)

    assert reply.status == status, reply.body
    assert reply.body["success"] is False
    assert reply.error["code"] in ("VALIDATION_ERROR", "PAYLOAD_TOO_LARGE")
    assert field in reply.error_fields() or field in reply.error["message"], reply.body
    assert stored_events() == []


def test_every_problem_of_a_body_is_reported_at_once(client: Any) -> None:
    reply = post(client, "performance", {"endpoint": "", "responseTime": -1, "statusCode": 9999, "bogus": True})

    assert reply.status == 400
    assert set(reply.error_fields()) == {"endpoint", "responseTime", "statusCode", "bogus"}


def test_bounds_are_inclusive(client: Any) -> None:
    """The limits themselves are accepted: exactly 6 levels, 128-char keys, scrollDepth 100, statusCode 599."""
    assert post(client, "event-interaction", seed("event-interaction", interactionData=_nested(6))).status == 200
    assert post(client, "conversion", seed("conversion", conversionData={"k" * 128: 1})).status == 200
    assert post(client, "heatmap", seed("heatmap", scrollDepth=100, xPosition=0, yPosition=0)).status == 200
    assert post(client, "performance", seed("performance", statusCode=599, responseTime=600_000)).status == 200
    assert post(client, "batch", {"events": [PERF_ITEM] * 500}).status == 200
    assert len(stored_events()) == 504


def test_tiny_conversion_value_is_stored_not_a_server_error(client: Any) -> None:
    """DynamoDB refuses numbers below 1e-130; a client's 1e-200 must not turn into a 500."""
    reply = post(client, "conversion", seed("conversion", conversionValue=1e-200))

    assert reply.status == 200, reply.body
    [event] = stored_events()
    assert event.value == 0


def test_rejected_single_request_writes_nothing(client: Any) -> None:
    body = seed("activity", messageId=str(uuid.uuid4()), pageUrl="not a url")
    reply = post(client, "activity", body)

    assert reply.status == 400
    assert stored_events() == []
    assert stored_sessions() == {}
    assert dedup_count() == 0
    assert scan_raw(Rollup.Meta.table_name) == []  # no catalog entry for a name never stored


def test_batch_stores_exactly_its_accepted_items(client: Any) -> None:
    good = [
        {"type": "activity", **seed("activity", messageId=str(uuid.uuid4()))},
        {"type": "performance", **SEED_BODIES["performance"]},
        {"type": "heatmap", **SEED_BODIES["heatmap"]},
    ]
    bad = [
        {"type": "activity", **seed("activity", eventType="no spaces allowed")},
        {"type": "performance", **seed("performance", statusCode=99)},
    ]
    reply = post(client, "batch", {"events": [good[0], bad[0], good[1], bad[1], good[2]]})

    assert reply.status == 200, reply.body
    assert reply.body["message"] == "Batch tracked with rejected items"
    assert (reply.data["accepted"], reply.data["rejected"]) == (3, 2)
    results = reply.data["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted", "rejected", "accepted"]
    assert results[1]["errors"][0]["field"] == "events[1].eventType"
    assert results[3]["errors"][0]["field"] == "events[3].statusCode"
    accepted_ids = {r["trackingId"] for r in results if r["status"] == "accepted"}
    assert {e.message_id for e in stored_events()} == accepted_ids
    assert accepted_ids >= {good[0]["messageId"]}
    assert stored_sessions()["session-123"].events == 2  # the page view and the heatmap point


def test_all_bad_batch_is_refused_with_every_reason(client: Any) -> None:
    items = [
        {"type": "activity", "sessionId": "s-1"},
        {"type": "nope"},
        {"type": "performance", **seed("performance", responseTime=-1)},
    ]
    reply = post(client, "batch", {"events": items})

    assert reply.status == 400
    assert reply.error["code"] == "VALIDATION_ERROR"
    assert [d["status"] for d in reply.error["details"]] == ["rejected"] * 3
    assert set(reply.error_fields()) == {"events[0].eventType", "events[1].type", "events[2].responseTime"}
    assert "events[0].eventType" in reply.error["message"]
    assert stored_events() == []


def test_error_bodies_are_json_envelopes(client: Any) -> None:
    response = client.http.post("/api/v1/tracking/activity", headers={"Content-Type": "application/json"}, body=b"{")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body)["error"]["details"] == [{"field": "body", "message": "must be valid JSON"}]
