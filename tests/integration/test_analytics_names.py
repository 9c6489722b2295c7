"""GET /names: the names seen per kind over a range (and pages with heatmap data), equal to what was sent."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.clock import iso
from chalicelib.domain.events import heatmap_page_key
from chalicelib.store import dynamo
from tests.integration.analytics_support import auth, get, post_batch

KIND_OF_TYPE = {
    "activity": "activity",
    "event-interaction": "interaction",
    "conversion": "conversion",
    "performance": "performance",
    "heatmap": "heatmap",
}


def _event(rng: random.Random, moment: datetime, n: int) -> tuple[dict, str, str]:
    kind = rng.choice(list(KIND_OF_TYPE))
    base = {"type": kind, "messageId": str(uuid.UUID(int=n + 1)), "timestamp": iso(moment), "sessionId": "s1"}
    if kind == "activity":
        name = rng.choice(["page_view", "search", "signup_click"])
        return {**base, "eventType": name}, "activity", name
    if kind == "event-interaction":
        name = rng.choice(["like", "share", "bookmark"])
        return {**base, "eventId": "ev-1", "interactionType": name}, "interaction", name
    if kind == "conversion":
        name = rng.choice(["purchase", "ticket"])
        return {**base, "conversionType": name, "conversionValue": 5}, "conversion", name
    if kind == "performance":
        name = rng.choice(["/api/v1/events", "/api/v1/search"])
        return {**base, "endpoint": name, "responseTime": 120, "statusCode": 200}, "performance", name
    url = rng.choice(["https://bilten.com/events", "https://bilten.com/", "https://bilten.com/events?id=3"])
    body = {**base, "pageUrl": url, "xPosition": 10, "yPosition": 20, "clickCount": 1}
    return body, "heatmap", heatmap_page_key(url)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_names_per_kind_equal_a_brute_force_of_the_events_sent(client, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    sent = [_event(rng, now - timedelta(hours=rng.uniform(0, 6 * 24)), i) for i in range(60)]
    post_batch(client, [body for body, _, _ in sent])

    def reference(since: datetime, kind: str | None = None) -> dict[str, list[str]]:
        out: dict[str, set[str]] = {k: set() for k in KIND_OF_TYPE.values() if kind is None or k == kind}
        for body, event_kind, name in sent:
            # the catalog is kept per day: a range names everything of the days it touches
            if body["timestamp"][:10] >= iso(since)[:10] and event_kind in out:
                out[event_kind].add(name)
        return {k: sorted(v) for k, v in out.items()}

    with dynamo.metered() as reads:
        status, body = get(client, "/names?timeRange=7d", auth())
    assert status == 200, body
    assert body["data"]["names"] == reference(now - timedelta(days=7))
    assert body["data"]["heatmapPages"] == reference(now - timedelta(days=7))["heatmap"]
    assert reads.queries == 8  # one catalog partition per day touched, whatever was stored

    status, body = get(client, "/names?timeRange=24h&kind=heatmap", auth())
    assert status == 200, body
    assert body["data"]["names"] == reference(now - timedelta(hours=24), "heatmap")


def test_names_needs_a_reader_and_valid_parameters(client) -> None:
    assert get(client, "/names?kind=clicks", auth())[0] == 400
    assert get(client, "/names?kind=clicks", auth())[1]["error"]["details"][0]["field"] == "kind"
    assert get(client, "/names?startDate=2026-02-01&endDate=2026-01-01", auth())[0] == 400
    assert get(client, "/names", auth("user", "u1"))[0] == 403
