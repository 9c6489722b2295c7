"""POST /funnel-analysis and GET /user-journey over stored events: seed shapes, reference results, reads."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.auth import mint_token
from chalicelib.domain.clock import iso
from chalicelib.domain.funnel import FunnelEvent, FunnelStep, funnel_counts
from chalicelib.store import dynamo, rawevents
from chalicelib.store.models import RawEvent
from tests.integration.analytics_support import auth, get, post, post_batch

STEPS = [
    ("page_view", "activity"),
    ("view", "event-interaction"),
    ("add_to_cart", "activity"),
    ("purchase", "conversion"),
]


def _body(kind: str, name: str, session: str, ts: datetime, n: int) -> dict:
    base = {"type": kind, "sessionId": session, "messageId": str(uuid.UUID(int=n)), "timestamp": iso(ts)}
    if kind == "activity":
        return {**base, "eventType": name, "pageUrl": f"https://bilten.com/{name}/{n % 3}"}
    if kind == "event-interaction":
        return {**base, "eventId": f"ev{n % 4}", "interactionType": name}
    return {**base, "conversionType": name, "conversionValue": 20}


@pytest.fixture
def stored(client):
    rng = random.Random(11)
    now = datetime.now(UTC)
    anonymous, signed_in = [], {}
    n = 0
    for visitor in range(14):
        session = f"sess-{visitor}"
        start = now - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
        depth = rng.randint(1, 4)
        events = []
        for step in range(depth):
            n += 1
            name, kind = STEPS[step]
            events.append(_body(kind, name, session, start + timedelta(minutes=3 * step), n))
        n += 1
        events.append(_body("activity", "scroll", session, start + timedelta(minutes=1), n))  # not a step
        if visitor % 3 == 0:
            signed_in[f"user-{visitor}"] = events
        else:
            anonymous.extend(events)
    post_batch(client, anonymous)
    for user, events in signed_in.items():
        post_batch(client, events, token=mint_token("user", user))
    return now


def _reference(stored_now: datetime, window_days: float = 14, mode: str = "ordered") -> list[int]:
    steps = [FunnelStep(name, name) for name, _ in STEPS]
    events = []
    for kind, _ in (("activity", 0), ("interaction", 0), ("conversion", 0)):
        for e in rawevents.events_of_kind(kind, stored_now - timedelta(days=30), stored_now):
            unit = f"u:{e.user_id}" if e.user_id else f"s:{e.session_id}"
            events.append(FunnelEvent(unit, datetime.fromisoformat(e.ts.replace("Z", "+00:00")), e.sk, kind, e.name))
    return [row["count"] for row in funnel_counts(events, steps, timedelta(days=window_days), mode)]


def test_funnel_matches_reference_and_reads_only_step_partitions(client, stored) -> None:
    body = {"funnelSteps": [{"name": n.title(), "eventType": n} for n, _ in STEPS], "timeRange": "30d"}
    with dynamo.metered() as reads:
        status, response = post(client, "/funnel-analysis", body, auth())
    assert status == 200, response
    data = response["data"]
    assert data["totalSteps"] == 4 and data["timeRange"] == "30d"
    counts = [row["count"] for row in data["funnelSteps"]]
    assert counts == _reference(stored)
    assert counts[0] == 14 and counts == sorted(counts, reverse=True) and counts[-1] > 0
    first = data["funnelSteps"][0]
    assert {"step", "eventType", "count", "conversionRate"} <= set(first)
    assert first["conversionRate"] == 100.0
    assert data["overallConversionRate"] == round(100 * counts[-1] / counts[0], 2)
    step_events = sum(counts)  # one event per reached step per visitor
    raw_items = reads.tables[RawEvent.Meta.table_name]
    assert raw_items == step_events, "scroll events and other partitions must not be read"
    assert reads.items - raw_items <= 31 * 8, "beyond raw items, only the day catalogs (a few names a day)"

    status, strict = post(client, "/funnel-analysis", {**body, "mode": "strict"}, auth())
    assert [r["count"] for r in strict["data"]["funnelSteps"]] == _reference(stored, mode="strict")


def test_funnel_user_filter_and_validation(client, stored) -> None:
    body = {
        "funnelSteps": [{"name": "PV", "eventType": "page_view"}, {"name": "View", "eventType": "view"}],
        "filters": {"userId": "user-0"},
    }
    status, response = post(client, "/funnel-analysis", body, auth())
    assert status == 200
    assert response["data"]["funnelSteps"][0]["count"] == 1
    status, response = post(client, "/funnel-analysis", {"funnelSteps": [], "timeRange": "9d"}, auth())
    assert status == 400
    fields = {d["field"] for d in response["error"]["details"]}
    assert {"funnelSteps", "timeRange"} <= fields
    status, response = post(client, "/funnel-analysis", {**body, "conversionWindowDays": 0}, auth())
    assert status == 400 and response["error"]["details"][0]["field"] == "conversionWindowDays"


def test_user_journey_shape_and_totals(client, stored) -> None:
    status, response = get(client, "/user-journey/user-3", auth())
    assert status == 200, response
    data = response["data"]
    assert set(data) == {
        "userId",
        "userActivity",
        "eventInteractions",
        "journeyAnalysis",
        "totalSessions",
        "totalEvents",
        "totalInteractions",
    }
    assert set(data["journeyAnalysis"]) == {"mostVisitedPages", "commonFlows", "sessionDuration", "bounceRate"}
    assert data["totalSessions"] == 1
    assert data["totalEvents"] == len(data["userActivity"])
    assert all(row["event_type"] for row in data["userActivity"])
    status, response = get(client, "/user-journey/user-3?includeEvents=false&includeInteractions=false", auth())
    assert response["data"]["userActivity"] == [] and response["data"]["eventInteractions"] == []
    assert response["data"]["totalEvents"] == data["totalEvents"]
    status, response = get(client, "/user-journey/nobody", auth())
    assert response["data"]["totalSessions"] == 0 and response["data"]["userActivity"] == []
    status, response = get(client, "/user-journey/user-3?startDate=yesterday", auth())
    assert status == 400 and response["error"]["details"][0]["field"] == "startDate"
