"""The SDK in a real browser, on the demo page, against the local stack.

What a visitor does on the demo page must reach the API and be readable through the analytics
routes; the offline queue replays without duplicates; consent mode keeps everything in the
browser; leaving the page hands the queue to ``sendBeacon``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.auth import mint_token
from tests.e2e.browser.conftest import demo_config, eventually

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TRACKING = "/api/v1/tracking/"


class BatchLog:
    """Every ``POST /batch`` the page makes: how it was sent, the events in it, and the answer."""

    def __init__(self, context: Any) -> None:
        self.sent: list[dict] = []
        self.other_tracking: list[str] = []
        context.on("request", self._request)
        context.on("response", self._answered)

    def _request(self, request: Any) -> None:
        if TRACKING not in request.url or request.url.endswith("/health"):
            return
        if not request.url.endswith("/batch"):
            self.other_tracking.append(request.url)
            return
        body = json.loads(request.post_data or "{}")
        self.sent.append({"request": request, "type": request.resource_type, "events": body.get("events", [])})

    def _answered(self, response: Any) -> None:
        for entry in self.sent:
            if entry["request"] == response.request:
                entry["status"] = response.status

    def delivered_ids(self) -> list[str]:
        """messageIds of events in batches the API answered with 200 (in sending order)."""
        return [e["messageId"] for s in self.sent if s.get("status") == 200 for e in s["events"]]


def _journey(read_api, user_id: str) -> dict:
    return read_api("GET", f"/user-journey/{user_id}")


def _queued(page: Any) -> int:
    return page.evaluate("window.Bilten.queued()")


def test_demo_visit_reaches_the_api(browser_context, origin, read_api, stack) -> None:
    """Page view, SPA navigation, clicks, a like, a scroll and a purchase, read back by user and session."""
    context, log = browser_context
    user_id = f"pw-{uuid.uuid4().hex[:10]}"
    context.add_init_script(demo_config(token=mint_token("user", user_id), batchSize=5, flushInterval=500))
    batches = BatchLog(context)
    page = context.new_page()
    page.goto(f"{origin}/demo")
    page.click("#consent-accept")  # consent mode is on by default in the demo
    page.click(".event-card[data-id=evt-001] h3 a")  # SPA navigation to the event page
    page.wait_for_url("**/demo/events/evt-001")
    page.mouse.move(300, 300)
    page.mouse.wheel(0, 20_000)  # scroll to the bottom of the long event page
    page.wait_for_timeout(600)
    page.click(".like-button")
    page.click(".buy-ticket")
    page.wait_for_url("**/demo/cart")
    page.click("#purchase")
    page.wait_for_url("**/demo/checkout")
    page.go_back()  # popstate: back to the cart view
    page.wait_for_url("**/demo/cart")
    page.wait_for_function("window.Bilten.queued() === 0", timeout=15_000)
    session_id = page.evaluate("JSON.parse(localStorage.getItem('bilten_session')).id")

    journey = _journey(read_api, user_id)
    activity = journey["userActivity"]
    page_views = [a for a in activity if a["event_type"] == "page_view"]
    how = sorted((a["event_data"] or {}).get("navigation", "load") for a in page_views)
    assert how == ["load", "popstate", "pushState", "pushState", "pushState"], page_views
    assert {a["session_id"] for a in activity} == {session_id}
    paths = {(a["event_data"] or {}).get("path") for a in page_views}
    assert paths == {"/demo", "/demo/events/evt-001", "/demo/cart", "/demo/checkout"}
    clicks = [a for a in activity if a["event_type"] == "click"]
    assert {c["event_data"]["tag"] for c in clicks} >= {"a", "button"}
    assert any("like-button" in c["event_data"]["selector"] for c in clicks)
    scrolls = [a for a in activity if a["event_type"] == "scroll"]
    assert scrolls and max(s["event_data"]["depth"] for s in scrolls) == 100
    likes = [i for i in journey["eventInteractions"] if i["interaction_type"] == "like"]
    assert [i["event_id"] for i in likes] == ["evt-001"]
    # Nothing stored twice, even though the SDK sends at-least-once.
    ids = [a["id"] for a in activity] + [i["id"] for i in journey["eventInteractions"]]
    assert len(ids) == len(set(ids))

    funnel = read_api(
        "POST",
        "/funnel-analysis",
        {
            "funnelSteps": [
                {"name": "Landing", "eventType": "page_view", "kind": "activity"},
                {"name": "Event view", "eventType": "event_view", "kind": "activity"},
                {"name": "Like", "eventType": "like", "kind": "interaction"},
                {"name": "Add to cart", "eventType": "add_to_cart", "kind": "activity"},
                {"name": "Purchase", "eventType": "purchase", "kind": "conversion"},
            ],
            "timeRange": "1h",
            "filters": {"userId": user_id},
        },
    )
    assert [s["count"] for s in funnel["funnelSteps"]] == [1, 1, 1, 1, 1]
    assert funnel["overallConversionRate"] == 100.0

    heatmap = read_api("GET", "/heatmap/" + quote(f"{origin}/demo/events/evt-001", safe=""), params={"timeRange": "1h"})
    mine = [e for e in heatmap["topElements"] if "like-button" in e["elementSelector"]]
    assert mine and mine[0]["clicks"] >= 1
    assert heatmap["totalClicks"] >= 2  # like + buy

    # The roll-ups behind the real-time panel, fed by the stream pump, see the visit too.
    def realtime_has_purchase() -> bool:
        data = read_api("GET", "/real-time", params={"timeRange": "1h"})
        return sum(c["count"] for c in data["realTimeConversions"] if c["conversion_type"] == "purchase") >= 1

    assert eventually(realtime_has_purchase, timeout=30)
    delivered = batches.delivered_ids()
    assert len(delivered) >= len(ids), [(s.get("status"), s["type"], len(s["events"])) for s in batches.sent]
    assert len(delivered) == len(set(delivered)), "an acknowledged event was sent again"
    assert not batches.other_tracking
    assert not log.errors, log.errors


def test_offline_queue_replays_without_duplicates(browser_context, origin, read_api) -> None:
    context, log = browser_context
    user_id = f"pw-{uuid.uuid4().hex[:10]}"
    context.add_init_script(demo_config(token=mint_token("user", user_id), consent=False, flushInterval=400))
    batches = BatchLog(context)
    page = context.new_page()
    page.goto(f"{origin}/demo")
    page.wait_for_function("window.Bilten.queued() === 0")

    # 1. Offline in the page, then back online: the 'online' event flushes the queue.
    context.set_offline(True)
    page.click(".event-card[data-id=evt-002] .like-button")
    page.click(".event-card[data-id=evt-003] .bookmark")
    page.wait_for_timeout(1200)  # several flush intervals pass while offline
    assert _queued(page) >= 2
    stored = page.evaluate("JSON.parse(localStorage.getItem('bilten_queue')).map(q => q.e.messageId)")
    context.set_offline(False)
    page.wait_for_function("window.Bilten.queued() === 0")
    assert eventually(lambda: set(stored) <= set(batches.delivered_ids()), timeout=5, interval=0.1, page=page)

    # 2. Offline when the page is closed: the queue stays in localStorage and the next page replays it.
    context.set_offline(True)
    page.click(".event-card[data-id=evt-004] .like-button")
    page.click(".event-card[data-id=evt-005] .share")
    page.wait_for_timeout(500)
    left = page.evaluate("JSON.parse(localStorage.getItem('bilten_queue')).map(q => q.e.messageId)")
    assert len(left) >= 4  # two clicks, a like and a share (plus heatmap points)
    page.close()
    context.set_offline(False)
    replay = context.new_page()
    replay.goto(f"{origin}/demo")
    replay.wait_for_function("window.Bilten.queued() === 0")
    assert eventually(lambda: set(left) <= set(batches.delivered_ids()), timeout=5, interval=0.1, page=replay)
    delivered = batches.delivered_ids()
    assert len(delivered) == len(set(delivered)), "an event was delivered twice"

    journey = read_api("GET", f"/user-journey/{user_id}")
    interactions = sorted((i["event_id"], i["interaction_type"]) for i in journey["eventInteractions"])
    assert interactions == [("evt-002", "like"), ("evt-003", "bookmark"), ("evt-004", "like"), ("evt-005", "share")]
    ids = [a["id"] for a in journey["userActivity"]] + [i["id"] for i in journey["eventInteractions"]]
    assert len(ids) == len(set(ids))
    assert not log.errors, log.errors


def test_consent_mode_sends_and_stores_nothing_without_consent(browser_context, origin) -> None:
    context, log = browser_context
    context.add_init_script(demo_config(flushInterval=200, batchSize=2))
    batches = BatchLog(context)
    page = context.new_page()
    page.goto(f"{origin}/demo")
    assert page.is_visible("#consent")
    page.click(".event-card[data-id=evt-001] .like-button")
    page.click(".event-card[data-id=evt-002] h3 a")
    page.wait_for_url("**/demo/events/evt-002")
    page.mouse.wheel(0, 5000)
    page.wait_for_timeout(1000)  # five flush intervals
    assert page.evaluate("window.Bilten.queued()") > 0  # tracked, held in memory only
    stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('bilten_'))")
    assert stored == []
    page.click("#consent-decline")
    assert page.evaluate("localStorage.getItem('tracking_consent')") == "denied"
    page.click(".like-button")
    page.evaluate("window.Bilten.getVariant('any-experiment')")
    page.goto("about:blank")  # pagehide: still nothing may leave
    page.wait_for_timeout(300)
    assert batches.sent == [] and batches.other_tracking == []
    assert not log.errors, log.errors


def test_consent_granted_later_sends_what_was_held(browser_context, origin) -> None:
    context, log = browser_context
    context.add_init_script(demo_config(flushInterval=200))
    batches = BatchLog(context)
    page = context.new_page()
    page.goto(f"{origin}/demo")
    page.click(".event-card[data-id=evt-001] .bookmark")
    page.wait_for_timeout(500)
    assert batches.sent == []
    held = page.evaluate("window.Bilten.queued()")
    page.click("#consent-accept")
    page.wait_for_function("window.Bilten.queued() === 0")
    assert len(batches.delivered_ids()) >= held
    assert page.evaluate("localStorage.getItem('tracking_consent')") == "granted"
    assert not log.errors, log.errors


# Records every sendBeacon call in the origin's localStorage: the browser sends a beacon after the
# page is gone, where Playwright no longer reports the request, so the test reads the record instead.
RECORD_BEACONS = """
(() => {
  const send = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (url, body) => {
    const ok = send(url, body);
    const calls = JSON.parse(localStorage.getItem('test_beacons') || '[]');
    calls.push({url: String(url), ok, ids: JSON.parse(body).events.map(e => e.messageId)});
    localStorage.setItem('test_beacons', JSON.stringify(calls));
    return ok;
  };
})();
"""


def test_pagehide_flushes_by_beacon(browser_context, origin, read_api) -> None:
    """Anonymous visitor, batching slower than the visit: leaving the page must deliver the queue."""
    context, log = browser_context
    context.add_init_script(demo_config(consent=False, flushInterval=600_000, batchSize=500, debug=True))
    context.add_init_script(RECORD_BEACONS)
    batches = BatchLog(context)
    page = context.new_page()
    page.goto(f"{origin}/demo")
    assert eventually(lambda: batches.delivered_ids(), timeout=10, interval=0.1, page=page), "\n".join(log.console)
    page.click(".event-card[data-id=evt-006] .like-button")
    page.click(".event-card[data-id=evt-007] .share")
    page.wait_for_timeout(300)
    pending = page.evaluate("JSON.parse(localStorage.getItem('bilten_queue')).map(q => q.e.messageId)")
    session_id = page.evaluate("JSON.parse(localStorage.getItem('bilten_session')).id")
    assert len(pending) >= 4
    sent_before = len(batches.sent)
    page.goto("about:blank")  # pagehide
    page.goto(f"{origin}/static/chart.LICENSE.md")  # same origin, no SDK: read what the last page left
    beacons = page.evaluate("JSON.parse(localStorage.getItem('test_beacons') || '[]')")
    assert beacons and all(b["ok"] and b["url"].endswith("/api/v1/tracking/batch") for b in beacons), beacons
    assert {i for b in beacons for i in b["ids"]} >= set(pending)
    assert page.evaluate("JSON.parse(localStorage.getItem('bilten_queue') || '[]')") == []  # handed over
    assert batches.sent[sent_before:] == [], "left by beacon, not by fetch"

    def funnel() -> list[int]:  # the browser delivers the beacon on its own time
        steps = read_api(
            "POST",
            "/funnel-analysis",
            {
                "funnelSteps": [
                    {"name": "Landing", "eventType": "page_view"},
                    {"name": "Like", "eventType": "like", "kind": "interaction"},
                    {"name": "Share", "eventType": "share", "kind": "interaction"},
                ],
                "timeRange": "1h",
                "filters": {"sessionId": session_id},
            },
        )["funnelSteps"]
        return [s["count"] for s in steps]

    assert eventually(lambda: funnel() == [1, 1, 1], timeout=10), funnel()
    assert not log.errors, log.errors
