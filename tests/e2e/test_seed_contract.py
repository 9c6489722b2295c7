"""Every endpoint of the seed specification, over HTTP on the local stack, answers in the seed's shape.

The stack runs as ``make dev`` runs it (moto server, ``chalice local``, stream pump, scheduler); a
small demo data set goes in through ``POST /batch`` and the stream pump rolls it up, then each seed
route is called with the seed's own example bodies and its answer is compared, key by key, with the
response the seed documents (extra keys are allowed, missing or renamed ones are not).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import requests

from chalicelib.domain.clock import iso
from local.demo_data import generate, load
from local.stack import LocalStack, admin_token
from tests.seed_examples import SEED_BODIES, SEED_FUNNEL

pytestmark = pytest.mark.e2e

BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
}


@pytest.fixture(scope="module")
def api(stack: LocalStack) -> Callable[..., requests.Response]:
    token = admin_token(stack.env)
    session = requests.Session()

    def call(method: str, path: str, body: dict | None = None, auth: bool = True) -> requests.Response:
        headers = dict(BROWSER)
        if auth:
            headers["Authorization"] = f"Bearer {token}"
        return session.request(method, f"{stack.api_url}{path}", json=body, headers=headers, timeout=60)

    return call


@pytest.fixture(scope="module")
def demo_loaded(stack: LocalStack, api: Callable[..., requests.Response]) -> None:
    plan = generate(days=2, visits_per_day=12, seed=21)
    totals = load(stack.api_url, plan, workers=2, progress=False)
    assert totals["accepted"] > 100
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the stream pump rolls the batch up within seconds
        data = api("GET", "/real-time?timeRange=24h").json()["data"]
        if data["realTimeActivity"] and data["performanceMetrics"]:
            return
        time.sleep(1)
    pytest.fail("the stream pump did not roll the demo data up within a minute")


def _data(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    assert body["success"] is True
    return body["data"]


def _has(row: dict[str, Any], *keys: str) -> None:
    missing = [key for key in keys if key not in row]
    assert not missing, f"missing {missing} in {sorted(row)}"


@pytest.mark.parametrize("route", sorted(SEED_BODIES))
def test_seed_ingest_bodies_answer_tracking_id_and_timestamp(api, route: str) -> None:
    response = api("POST", f"/{route}", SEED_BODIES[route], auth=False)
    body = response.json()
    assert response.status_code == 200, body
    assert body["success"] is True and isinstance(body["message"], str)
    _has(body["data"], "trackingId", "timestamp")
    assert body["data"]["timestamp"].endswith("Z")


def test_real_time_has_the_seed_shape(api, demo_loaded) -> None:
    data = _data(api("GET", "/real-time?timeRange=24h"))
    _has(data, "timeRange", "realTimeActivity", "realTimeConversions", "activeSessions", "performanceMetrics")
    _has(data, "lastUpdated")
    assert data["timeRange"] == "24h"
    _has(data["realTimeActivity"][0], "event_type", "count", "time_bucket")
    _has(data["performanceMetrics"][0], "endpoint", "avg_response_time", "request_count", "error_count")
    assert isinstance(data["activeSessions"], int)
    conversions = _data(api("GET", "/real-time?timeRange=30d"))["realTimeConversions"]
    _has(conversions[0], "conversion_type", "count", "total_value", "time_bucket")


def test_user_journey_has_the_seed_shape(api, demo_loaded) -> None:
    data = _data(api("GET", "/user-journey/demo-user-001?includeEvents=true&includeInteractions=true"))
    _has(data, "userId", "userActivity", "eventInteractions", "journeyAnalysis")
    _has(data, "totalSessions", "totalEvents", "totalInteractions")
    _has(data["journeyAnalysis"], "mostVisitedPages", "commonFlows", "sessionDuration", "bounceRate")
    assert data["userId"] == "demo-user-001" and data["totalEvents"] > 0


def test_funnel_analysis_has_the_seed_shape(api, demo_loaded) -> None:
    data = _data(api("POST", "/funnel-analysis", SEED_FUNNEL))
    _has(data, "funnelSteps", "timeRange", "totalSteps", "overallConversionRate")
    assert data["totalSteps"] == 4 and data["timeRange"] == "30d"
    for step, asked in zip(data["funnelSteps"], SEED_FUNNEL["funnelSteps"], strict=True):
        _has(step, "step", "eventType", "count", "conversionRate")
        assert (step["step"], step["eventType"]) == (asked["name"], asked["eventType"])
    assert data["funnelSteps"][0]["count"] > 0 and data["funnelSteps"][0]["conversionRate"] == 100.0


def test_export_of_the_seed_example_answers_rows(api, demo_loaded) -> None:
    now = datetime.now(UTC)
    body = {
        "dataType": "user_activity",
        "format": "json",
        "filters": {"eventType": "page_view"},
        "dateRange": {"startDate": iso(now - timedelta(days=30)), "endDate": iso(now)},
    }
    response = api("POST", "/export", body)
    assert response.status_code in (200, 202), response.text[:500]
    body = response.json()
    assert body["success"] is True
    if "rowCount" in body["data"]:  # small enough to answer inline, in the seed's columns
        rows = body["data"]["data"]
        assert body["data"]["rowCount"] == len(rows) > 0
        assert {row["event_type"] for row in rows} == {"page_view"}
        assert {"user_id", "session_id", "event_type", "event_data", "page_url", "created_at"} <= set(rows[0])


def test_heatmap_of_a_page_answers(api, demo_loaded) -> None:
    data = _data(api("GET", f"/heatmap/{quote('https://bilten.com/events', safe='')}"))
    assert data  # the shape is the product's own (the seed gives none): grid, selectors, scroll depth
