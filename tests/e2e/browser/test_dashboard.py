"""The analytics dashboard in a real browser, against the local stack with a small demo data set.

The data set is the demo generator's (yesterday and today, with a live last hour) loaded through
``POST /batch`` like ``make dev`` does, plus what the generator does not make: campaign records for its UTM
campaigns, a cluster of heatmap clicks on one page, and an A/B experiment with exposures and
purchases. Every panel must render it without console errors, and the funnel builder must show
exactly what ``POST /funnel-analysis`` answers for the same steps.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import requests

from chalicelib.auth import mint_token
from chalicelib.domain.clock import iso
from local.demo_data import CAMPAIGNS, SITE, USER_AGENTS, create_campaigns, generate, load
from local.stack import LocalStack
from tests.e2e.browser.conftest import SCREENSHOTS, eventually

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

HEATMAP_PAGE = f"{SITE}/events/evt-001"
DEFAULT_FUNNEL = ["page_view", "event_view", "add_to_cart", "purchase"]
BROWSER = {"User-Agent": USER_AGENTS[0], "Content-Type": "application/json"}


# ---- the data set ------------------------------------------------------------------------------


def _heatmap_cluster(rng: random.Random, count: int = 160, page: str = HEATMAP_PAGE) -> list[dict[str, Any]]:
    """Clicks on one event page, bunched around its buy button, hero and like button."""
    hotspots = ((0.72, 0.30, ".buy-ticket"), (0.35, 0.12, "#hero"), (0.25, 0.46, ".like-button"), (0.5, 0.7, ".share"))
    points = []
    for i in range(count):
        hx, hy, selector = hotspots[min(len(hotspots) - 1, int(rng.expovariate(1.1)))]
        width, height = rng.choice(((1440, 900), (1280, 800), (390, 844)))
        document_height = int(height * 2.5)
        points.append(
            {
                "type": "heatmap",
                "pageUrl": page,
                "sessionId": f"heat-{i % 40:03d}",
                "xPosition": int(min(0.99, max(0.0, rng.gauss(hx, 0.06))) * width),
                "yPosition": int(min(0.99, max(0.0, rng.gauss(hy, 0.04))) * document_height),
                "viewportWidth": width,
                "viewportHeight": height,
                "documentHeight": document_height,
                "elementSelector": selector,
                "clickCount": 1,
                "hoverCount": rng.randint(0, 3),
                "scrollDepth": rng.choice((25, 50, 50, 75, 75, 100)),
            }
        )
    return points


_local = threading.local()


def _post(url: str, body: dict, token: str | None = None) -> dict:
    """POST with a per-thread keep-alive session (``chalice local`` has a listen backlog of five)."""
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    headers = dict(BROWSER)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = _local.session.post(url, json=body, headers=headers, timeout=30)
    assert response.status_code in (200, 201), f"POST {url}: {response.status_code} {response.text[:300]}"
    return response.json()["data"]


def _experiment(api_url: str, admin: str, rng: random.Random, participants: int = 40) -> tuple[str, int]:
    """An experiment with ``participants`` sessions per variant; the treatment converts about twice as often."""
    experiment = _post(
        f"{api_url}/experiments",
        {
            "testName": "Checkout button colour",
            "testType": "page",
            "variants": [{"name": "control"}, {"name": "green-button"}],
            "conversionType": "purchase",
            "minSample": 30,
        },
        admin,
    )
    run = uuid.uuid4().hex[:6]
    sessions = [f"ab-{run}-{i:03d}" for i in range(participants * 2)]

    def assign(session_id: str) -> tuple[str, str]:
        data = _post(f"{api_url}/experiments/{experiment['id']}/assign", {"sessionId": session_id})
        return session_id, data["variant"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        assigned = list(pool.map(assign, sessions))
    conversions = [
        {
            "type": "conversion",
            "conversionType": "purchase",
            "conversionValue": rng.choice((29.99, 49.5, 74.0)),
            "currency": "EUR",
            "sessionId": session_id,
        }
        for session_id, variant in assigned
        if rng.random() < (0.34 if variant == "green-button" else 0.14)
    ]
    _post(f"{api_url}/batch", {"events": conversions})
    return str(experiment["id"]), len(conversions)


def load_dashboard_data(api_url: str, admin: str) -> dict[str, Any]:
    """The demo generator's events for yesterday and today, campaigns, a heatmap page and an experiment."""
    rng = random.Random(42)
    plan = generate(datetime.now(UTC), days=1, visits_per_day=30, seed=7)
    # One backend performance report in four: every endpoint still reports, a quarter of the writes.
    plan.batches = [b for i, b in enumerate(plan.batches) if b.events[0]["type"] != "performance" or i % 4 == 0]
    totals = load(api_url, plan, workers=4, progress=False)
    _post(f"{api_url}/batch", {"events": _heatmap_cluster(rng)})
    create_campaigns(api_url, admin)
    experiment_id, experiment_purchases = _experiment(api_url, admin, rng)
    human = [b for b in plan.batches if "Googlebot" not in b.user_agent]
    events = [e for b in human for e in b.events]
    users: dict[str, int] = {}
    for batch in human:
        if batch.user_id:
            users[batch.user_id] = users.get(batch.user_id, 0) + len(batch.events)
    return {
        "totals": totals,
        "experimentId": experiment_id,
        "activity": sum(1 for e in events if e["type"] == "activity"),
        "purchases": sum(1 for e in events if e.get("conversionType") == "purchase") + experiment_purchases,
        "busiestUser": max(users, key=lambda u: (users[u], u)),
    }


@pytest.fixture(scope="module")
def dashboard_data(stack: LocalStack, admin: str, read_api: Callable[..., dict]) -> dict[str, Any]:
    data = load_dashboard_data(stack.api_url, admin)

    def rolled_up() -> bool:
        live = read_api("GET", "/real-time", params={"timeRange": "7d"})
        activity = sum(r["count"] for r in live["realTimeActivity"])
        purchases = sum(r["count"] for r in live["realTimeConversions"] if r["conversion_type"] == "purchase")
        return activity >= data["activity"] and purchases >= data["purchases"] and bool(live["performanceMetrics"])

    assert eventually(rolled_up, timeout=60), "the stream pump did not roll the demo data up in time"
    return data


# ---- helpers -----------------------------------------------------------------------------------

PANELS = ("overview", "performance", "funnel", "heatmap", "campaigns", "experiments")
FUNNEL_ROWS = """() => Array.from(document.querySelectorAll('#funnel-result .fstep')).map(li => {
  const f = name => li.querySelector(`[data-field=${name}]`).textContent;
  return {step: li.querySelector('.fstep-name').textContent, eventType: li.querySelector('code').textContent,
          count: f('count'), conversionRate: f('conversionRate'), stepConversionRate: f('stepConversionRate'),
          dropOff: f('dropOff')};
})"""
HOT_PIXELS = """() => {
  const c = document.getElementById('heatmap-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let hot = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] < 140 && d[i + 2] < 140) hot++;
  return hot;
}"""


def js_number(value: float | int) -> str:
    """How JavaScript's String(number) prints what the API sent (100.0 → "100")."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def pct(value: float | int) -> str:
    return js_number(value) + "%"


def open_dashboard(context: Any, origin: str, token: str) -> Any:
    page = context.new_page()
    page.goto(f"{origin}/dashboard#token={token}")
    page.wait_for_selector("#overview[data-state=ready]")
    return page


def wait_settled(page: Any, *panels: str) -> None:
    for panel in panels:
        page.wait_for_selector(f"#{panel}[data-state=ready]")


def choose_range(page: Any, range_key: str) -> None:
    page.click(f"#range [data-range='{range_key}']")
    page.wait_for_selector(f"#range [data-range='{range_key}'][aria-checked=true]")
    wait_settled(page, *PANELS)


def load_journey(page: Any, user_id: str) -> None:
    page.fill("#journey-user", user_id)
    page.click("#journey-run")
    wait_settled(page, "journey")


def only_refused_requests(errors: list[str]) -> list[str]:
    """Console errors other than Chromium's note about a refused (4xx) request the test provoked."""
    return [e for e in errors if "Failed to load resource: the server responded with a status of 4" not in e]


# ---- tests -------------------------------------------------------------------------------------


def test_sign_in_rejects_bad_tokens_and_signs_out(browser_context, origin, admin, dashboard_data) -> None:
    context, log = browser_context
    page = context.new_page()
    page.goto(f"{origin}/dashboard")
    assert page.is_visible("#signin") and not page.is_visible("#app")

    page.fill("#token-input", "not-a-token")
    page.click("#signin-submit")
    assert "does not look like a JWT" in page.text_content("#signin-error")

    forged = jwt_with_other_secret()
    page.fill("#token-input", forged)
    page.click("#signin-submit")
    page.wait_for_selector("#signin-error:has-text('401')")
    assert "refused this token" in page.text_content("#signin-error")
    assert page.is_visible("#signin") and not page.is_visible("#app")
    assert page.evaluate("sessionStorage.getItem('bilten.dashboard.token')") is None

    page.fill("#token-input", mint_token("user", "someone"))
    page.click("#signin-submit")
    page.wait_for_selector("#signin-error:has-text('403')")
    assert "may not read analytics" in page.text_content("#signin-error")
    assert not page.is_visible("#app")

    page.fill("#token-input", admin)
    page.click("#signin-submit")
    page.wait_for_selector("#overview[data-state=ready]")
    assert page.is_visible("#app") and not page.is_visible("#signin")
    assert page.evaluate("sessionStorage.getItem('bilten.dashboard.token')") == admin
    page.reload()  # the token survives a reload of the tab
    page.wait_for_selector("#overview[data-state=ready]")

    page.click("#signout")
    page.wait_for_selector("#signin")
    assert "signed out" in page.text_content("#signin-error")
    assert page.evaluate("sessionStorage.getItem('bilten.dashboard.token')") is None
    assert only_refused_requests(log.errors) == []


def jwt_with_other_secret() -> str:
    import jwt

    now = int(time.time())
    claims = {"sub": "intruder", "role": "admin", "iat": now, "exp": now + 600, "iss": "bilten-analytics"}
    return jwt.encode(claims, "another-secret-that-is-long-enough", algorithm="HS256")


def test_every_panel_renders_the_demo_data(browser_context, origin, admin, read_api, dashboard_data) -> None:
    context, log = browser_context
    page = open_dashboard(context, origin, admin)
    assert "token=" not in page.url  # the fragment is dropped once read
    wait_settled(page, *PANELS)
    choose_range(page, "7d")

    # Overview: KPIs and charts from GET /real-time.
    live = read_api("GET", "/real-time", params={"timeRange": "7d"})
    events = sum(r["count"] for r in live["realTimeActivity"])
    conversions = sum(r["count"] for r in live["realTimeConversions"])
    value = sum(r["total_value"] for r in live["realTimeConversions"])
    assert page.text_content("#kpi-events [data-value]") == f"{events:,}"
    assert page.text_content("#kpi-conversions [data-value]") == f"{conversions:,}"
    assert page.text_content("#kpi-revenue [data-value]") == f"{value:,.2f}"
    charted = page.evaluate(
        "() => Chart.getChart('activity-chart').data.datasets"
        ".reduce((n, d) => n + d.data.reduce((a, b) => a + b, 0), 0)"
    )
    assert charted == events
    purchases = page.evaluate(
        "() => Chart.getChart('conversion-chart').data.datasets.filter(d => d.label === 'purchase')[0].data"
        ".reduce((a, b) => a + b, 0)"
    )
    assert purchases == sum(r["count"] for r in live["realTimeConversions"] if r["conversion_type"] == "purchase")
    assert "updated" in page.text_content("#last-updated")

    # Performance table: one row per endpoint with the API's p95.
    rows = page.eval_on_selector_all(
        "#perf-table tbody tr", "rows => rows.map(r => [r.dataset.endpoint, r.cells[4].textContent])"
    )
    expected = [[m["endpoint"], f"{m['p95_response_time']:,} ms"] for m in live["performanceMetrics"]]
    assert rows == expected and len(rows) == 5

    # Funnel (default steps) ran on sign-in and after the range change.
    steps = page.evaluate(FUNNEL_ROWS)
    assert [s["eventType"] for s in steps] == DEFAULT_FUNNEL
    assert int(steps[0]["count"].replace(",", "")) > 0

    # User journey of the busiest signed-in visitor.
    user = dashboard_data["busiestUser"]
    load_journey(page, user)
    now = datetime.now(UTC)
    journey = read_api(
        "GET",
        f"/user-journey/{user}",
        params={"startDate": (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"), "endDate": iso(now)},
    )
    assert page.text_content("#journey-sessions .mini-value") == f"{journey['totalSessions']:,}"
    assert page.text_content("#journey-bounce .mini-value") == pct(journey["journeyAnalysis"]["bounceRate"])
    pages = page.eval_on_selector_all(".journey-pages .barlist-label", "els => els.map(e => e.textContent)")
    assert pages == list(journey["journeyAnalysis"]["mostVisitedPages"])

    # Heatmap of the default page: totals, a drawn overlay, top elements and scroll depth.
    heat = read_api("GET", "/heatmap/" + quote(HEATMAP_PAGE, safe=""), params={"timeRange": "7d"})
    assert page.input_value("#heatmap-page") == HEATMAP_PAGE
    assert page.text_content("#heatmap-clicks .mini-value") == f"{heat['totalClicks']:,}"
    assert page.evaluate(HOT_PIXELS) > 50
    selectors = page.eval_on_selector_all(
        "#heatmap-elements tbody td:first-child", "els => els.map(e => e.textContent)"
    )
    assert selectors == [e["elementSelector"] for e in heat["topElements"][:8]]
    assert page.locator("#heatmap-scroll li").count() == 10

    # Campaigns: the API's performance figures, per campaign.
    for campaign_id, *_ in CAMPAIGNS:
        perf = read_api("GET", f"/campaigns/{campaign_id}/performance", params={"timeRange": "7d"})
        row = page.locator(f"#campaign-table tr[data-campaign='{campaign_id}']")
        assert row.locator("[data-field=sessions]").text_content() == f"{perf['sessions']:,}"
        assert row.locator("[data-field=conversions]").text_content() == f"{perf['conversions']:,}"
        assert row.locator("[data-field=conversionRate]").text_content() == pct(perf["conversionRate"])
        assert f"{perf['revenue']:,.2f}" in row.locator("[data-field=revenue]").text_content()
    assert sum(read_api("GET", f"/campaigns/{c[0]}/performance")["sessions"] for c in CAMPAIGNS) > 0

    # Experiments: per-variant results, significance, SRM check and the winner.
    results = read_api("GET", f"/experiments/{dashboard_data['experimentId']}/results")["results"]
    card = page.locator(f"article[data-experiment='{dashboard_data['experimentId']}']")
    for variant in results["variants"]:
        row = card.locator(f"tr[data-variant='{variant['name']}']")
        assert row.locator("[data-field=participants]").text_content() == f"{variant['participants']:,}"
        assert row.locator("[data-field=conversions]").text_content() == f"{variant['conversions']:,}"
    comparison = results["comparisons"][0]
    lift = card.locator("tr[data-variant='green-button'] [data-field=lift]").text_content()
    assert lift.startswith("+") and abs(float(lift[1 : lift.index("%")]) - comparison["relativeLift"]) <= 0.01
    assert ("traffic split OK" in card.text_content()) != results["sampleRatioMismatch"]["mismatch"]
    if results["winner"]:
        assert f"winner: {results['winner']}" in card.text_content()

    assert log.errors == []


def test_funnel_builder_shows_what_the_api_answers(browser_context, origin, admin, read_api, dashboard_data) -> None:
    context, log = browser_context
    prefs = json.dumps(json.dumps({"range": "7d"}))
    context.add_init_script(
        "try { if (!localStorage.getItem('bilten.dashboard.prefs'))"
        f" localStorage.setItem('bilten.dashboard.prefs', {prefs}); }} catch (e) {{}}"
    )
    page = context.new_page()
    with page.expect_response(lambda r: r.url.endswith("/funnel-analysis")) as first:
        page.goto(f"{origin}/dashboard#token={admin}")  # the default funnel runs on sign-in

    def compare(answered: Any, expected_steps: list[dict], mode: str, window: float) -> None:
        sent = answered.request.post_data_json
        assert sent == {"funnelSteps": expected_steps, "timeRange": "7d", "mode": mode, "conversionWindowDays": window}
        page.wait_for_selector("#funnel[data-state=ready]")
        api = read_api("POST", "/funnel-analysis", body=sent)
        assert answered.json()["data"]["funnelSteps"] == api["funnelSteps"]
        shown = page.evaluate(FUNNEL_ROWS)
        assert len(shown) == len(api["funnelSteps"]) == len(expected_steps)
        for i, (row, want) in enumerate(zip(shown, api["funnelSteps"], strict=True)):
            assert row["step"] == want["step"] and row["eventType"] == want["eventType"]
            assert row["count"] == f"{want['count']:,}"
            assert row["conversionRate"] == pct(want["conversionRate"])
            assert row["stepConversionRate"] == pct(want["stepConversionRate"])
            assert row["dropOff"] == (f"{want['dropOff']:,}" if i else "–")
        assert page.text_content("#funnel-overall") == pct(api["overallConversionRate"])

    names = ("Page view", "Event view", "Add to cart", "Purchase")
    compare(
        first.value, [{"name": n, "eventType": t} for n, t in zip(names, DEFAULT_FUNNEL, strict=True)], "ordered", 14
    )
    assert int(page.evaluate(FUNNEL_ROWS)[-1]["count"]) > 0  # the demo data buys tickets

    # Edit: drop "Event view", add "search" and move it to second place, then an event-interaction
    # step ("view", restricted to that kind) before the cart; strict mode, a 1-day window.
    page.click("button[aria-label='Remove step 2']")
    page.click("#funnel-add")
    page.fill("#funnel-steps li:nth-child(4) .step-name", "Searched")
    page.fill("#funnel-steps li:nth-child(4) .step-type", "search")
    page.click("button[aria-label='Move step 4 up']")
    page.click("button[aria-label='Move step 3 up']")
    page.click("#funnel-add")
    page.fill("#funnel-steps li:nth-child(5) .step-type", "view")  # no name: the event type names it
    page.select_option("#funnel-steps li:nth-child(5) .step-kind", "interaction")
    page.click("button[aria-label='Move step 5 up']")
    page.click("button[aria-label='Move step 4 up']")
    page.select_option("#funnel-mode", "strict")
    page.fill("#funnel-window", "1")
    with page.expect_response(lambda r: r.url.endswith("/funnel-analysis")) as edited:
        page.click("#funnel-run")
    steps = [
        {"name": "Page view", "eventType": "page_view"},
        {"name": "Searched", "eventType": "search"},
        {"name": "view", "eventType": "view", "kind": "interaction"},
        {"name": "Add to cart", "eventType": "add_to_cart"},
        {"name": "Purchase", "eventType": "purchase"},
    ]
    compare(edited.value, steps, "strict", 1)

    # The builder survives a reload (kept in localStorage).
    page.reload()
    page.wait_for_selector("#overview[data-state=ready]")
    assert page.eval_on_selector_all("#funnel-steps .step-type", "els => els.map(e => e.value)") == [
        s["eventType"] for s in steps
    ]
    assert log.errors == []


def test_funnel_and_heatmap_suggest_the_names_seen_in_the_range(
    browser_context, origin, admin, stack, read_api, dashboard_data
) -> None:
    context, log = browser_context
    run = uuid.uuid4().hex[:8]
    event_type, interaction = f"names_probe_{run}", f"probe_like_{run}"
    page_url = f"{SITE}/events/names-{run}?ref=test"
    listed = f"bilten.com/events/names-{run}"  # GET /names lists heatmap pages as host + path
    session = f"names-{run}"
    _post(
        f"{stack.api_url}/batch",
        {
            "events": [
                {"type": "activity", "eventType": event_type, "sessionId": session, "pageUrl": page_url},
                {
                    "type": "event-interaction",
                    "eventId": "evt-001",
                    "interactionType": interaction,
                    "sessionId": session,
                },
                *_heatmap_cluster(random.Random(run), count=24, page=page_url),
            ]
        },
    )

    def seeded() -> bool:
        seen = read_api("GET", "/names", params={"timeRange": "24h"})
        heat = read_api("GET", "/heatmap/" + quote(listed, safe=""), params={"timeRange": "24h"})
        return (
            event_type in seen["names"]["activity"]
            and interaction in seen["names"]["interaction"]
            and listed in seen["heatmapPages"]
            and heat["totalClicks"] == 24
        )

    assert eventually(seeded, timeout=30), "the seeded names and heatmap points did not show up"

    names_reads: list[str] = []
    context.on("request", lambda r: names_reads.append(r.url) if "/api/v1/tracking/names" in r.url else None)
    page = open_dashboard(context, origin, admin)
    wait_settled(page, *PANELS)

    # Funnel: every step's event-type field offers the seeded names (labelled with their kind).
    known = "#known-types option[value='{}']"
    page.wait_for_selector(known.format(event_type), state="attached")
    assert page.get_attribute(known.format(event_type), "label") == "activity"
    assert page.get_attribute(known.format(interaction), "label") == "interaction"
    assert page.get_attribute(known.format("purchase"), "label") == "conversion"
    lists = page.eval_on_selector_all("#funnel-steps .step-type", "els => els.map(e => e.getAttribute('list'))")
    assert lists == ["known-types"] * len(DEFAULT_FUNNEL)
    page.fill("#funnel-steps li:nth-child(1) .step-type", event_type)  # typing (any name) reads nothing
    with page.expect_response(lambda r: r.url.endswith("/funnel-analysis")) as answered:
        page.click("#funnel-run")
    assert answered.value.request.post_data_json["funnelSteps"][0]["eventType"] == event_type
    page.wait_for_selector("#funnel[data-state=ready]")
    assert page.evaluate(FUNNEL_ROWS)[0]["count"] == "1"

    # Heatmap: the field and the picker beside it offer the page; choosing it draws its heatmap.
    page.wait_for_selector(f"#known-pages option[value='{listed}']", state="attached")
    picker = page.eval_on_selector_all("#heatmap-known option", "els => els.map(e => e.value)")
    assert listed in picker and "bilten.com/events/evt-001" in picker and picker[0] == ""
    with page.expect_response(lambda r: "/heatmap/" in r.url) as shown:
        page.select_option("#heatmap-known", listed)
    assert shown.value.status == 200 and shown.value.json()["data"]["page"] == listed
    wait_settled(page, "heatmap")
    assert page.input_value("#heatmap-page") == listed
    assert page.text_content("#heatmap-clicks .mini-value") == "24"
    assert page.text_content("#heatmap .heat-url") == listed
    assert page.evaluate(HOT_PIXELS) > 0
    assert page.evaluate("JSON.parse(localStorage.getItem('bilten.dashboard.prefs')).pages[0]") == listed

    # One read per sign-in and per range change, for that range.
    assert len(names_reads) == 1 and "timeRange=24h" in names_reads[0]
    with page.expect_response(lambda r: "/api/v1/tracking/names" in r.url and "timeRange=30d" in r.url):
        choose_range(page, "30d")
    assert len(names_reads) == 2
    page.wait_for_selector(known.format(event_type), state="attached")
    assert log.errors == []


def test_a_failed_names_read_leaves_the_suggestions_empty(browser_context, origin, admin, dashboard_data) -> None:
    context, log = browser_context
    body = json.dumps({"success": False, "error": {"code": "INTERNAL_ERROR", "message": "boom"}})
    context.route(
        "**/api/v1/tracking/names*",
        lambda route: route.fulfill(status=500, content_type="application/json", body=body),
    )
    page = open_dashboard(context, origin, admin)
    wait_settled(page, *PANELS)  # every panel still loads, the heatmap of the remembered page too
    assert page.is_disabled("#heatmap-known")
    assert page.locator("#known-pages option").count() == 1  # the default page only
    assert page.locator("#heatmap .alert-error").count() == 0 and page.locator("#funnel .alert-error").count() == 0
    page.fill("#funnel-steps li:nth-child(1) .step-type", "search")
    page.click("#funnel-run")
    wait_settled(page, "funnel")
    assert [e for e in log.errors if "status of 500" not in e] == []


def test_exports_download_inline_and_open_jobs(browser_context, origin, admin, dashboard_data) -> None:
    context, log = browser_context
    page = open_dashboard(context, origin, admin)
    page.select_option("#export-type", "user_activity")
    with page.expect_download() as downloaded:
        page.click("#export-csv")
    download = downloaded.value
    assert download.suggested_filename.startswith("bilten-user_activity-24h-") and download.suggested_filename.endswith(
        ".csv"
    )
    with open(download.path(), encoding="utf-8") as handle:
        header = handle.readline().strip()
    assert header.startswith("id,user_id,session_id,event_type")
    page.wait_for_selector("#export-file")
    assert "rows" in page.text_content("#export-result")

    page.select_option("#export-type", "user_engagement")  # unfiltered engagement exports always run as a job
    with page.expect_popup() as popup:
        page.click("#export-json")
    popup.value.close()
    link = page.get_attribute("#export-link", "href")
    assert link and "Signature=" in link and "/user_engagement.json" in link
    fetched = requests.get(link, timeout=10)
    assert fetched.status_code == 200 and isinstance(fetched.json(), list)
    assert "Export ready" in page.text_content("#export-result")
    assert log.errors == []


def test_live_refresh_pauses_when_hidden_and_an_expired_token_returns_to_sign_in(
    browser_context, origin, dashboard_data
) -> None:
    context, log = browser_context
    minted = time.monotonic()
    token = mint_token("analyst", "short-lived", ttl_seconds=10)
    reads: list[str] = []
    context.on("request", lambda r: reads.append(r.url) if "/real-time" in r.url else None)
    page = open_dashboard(context, origin, token)
    assert "analyst" in page.text_content("#who")
    with page.expect_request(lambda r: "/real-time" in r.url, timeout=9000):
        pass  # the overview refreshes by itself every 5 s
    page.wait_for_selector("#live[data-mode=live]")

    page.evaluate(
        """() => {
      Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
      Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
      document.dispatchEvent(new Event('visibilitychange'));
    }"""
    )
    page.wait_for_selector("#live[data-mode=paused]")
    hidden_at = len(reads)
    # Hidden past the next refresh and past the token's expiry (Playwright's wait keeps events flowing).
    page.wait_for_timeout(max(5.5, minted + 11.5 - time.monotonic()) * 1000)
    assert len(reads) == hidden_at, "the overview kept polling while the tab was hidden"

    page.evaluate(
        """() => {
      Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
      Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});
      document.dispatchEvent(new Event('visibilitychange'));
    }"""
    )
    page.wait_for_selector("#signin-error:has-text('401')")
    assert page.is_visible("#signin") and not page.is_visible("#app")
    assert page.evaluate("sessionStorage.getItem('bilten.dashboard.token')") is None
    assert only_refused_requests(log.errors) == []


def test_error_states_show_the_api_message_and_text_stays_text(
    browser_context, origin, admin, stack, dashboard_data
) -> None:
    context, log = browser_context
    campaign_id = f"xss-{uuid.uuid4().hex[:8]}"
    name = '<img src=x onerror="window.__pwned = 1">'
    auth = {**BROWSER, "Authorization": f"Bearer {admin}"}
    created = requests.post(
        f"{stack.api_url}/campaigns", json={"campaignId": campaign_id, "campaignName": name}, headers=auth, timeout=10
    )
    assert created.status_code == 201, created.text
    try:
        page = open_dashboard(context, origin, admin)
        wait_settled(page, "campaigns")
        row = page.locator(f"#campaign-table tr[data-campaign='{campaign_id}']")
        assert row.locator(".cell-title").text_content() == name
        assert page.locator("#campaign-table img").count() == 0
        assert page.evaluate("window.__pwned") is None

        page.fill("#heatmap-page", "https:///events")
        page.click("#heatmap-run")
        page.wait_for_selector("#heatmap[data-state=error]")
        alert = page.text_content("#heatmap .alert-error")
        assert "Invalid request: pageUrl" in alert and "must name a host" in alert and "VALIDATION_ERROR" in alert

        page.fill("#funnel-steps li:nth-child(2) .step-type", "")
        page.click("#funnel-run")
        page.wait_for_selector("#funnel[data-state=error]")
        assert page.get_attribute("#funnel-steps li:nth-child(2) .step-type", "aria-invalid") == "true"
        assert "funnelSteps.1.eventType" in page.text_content("#funnel .alert-error")

        page.fill("#journey-user", "nobody-at-all")
        page.click("#journey-run")
        page.wait_for_selector("#journey[data-state=empty]")
        assert "No activity for nobody-at-all" in page.text_content("#journey-result")
    finally:
        requests.delete(f"{stack.api_url}/campaigns/{campaign_id}", headers=auth, timeout=10)
    assert only_refused_requests(log.errors) == []


def test_screenshots_at_desktop_and_phone_widths(browser_context, origin, admin, dashboard_data) -> None:
    context, log = browser_context
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = open_dashboard(context, origin, admin)
    wait_settled(page, *PANELS)
    load_journey(page, dashboard_data["busiestUser"])
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(400)  # chart animations
    page.screenshot(path=str(SCREENSHOTS / "dashboard-1280.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#overview[data-state=ready]")
    wait_settled(page, *PANELS)
    load_journey(page, dashboard_data["busiestUser"])
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(400)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    overflowing = page.evaluate(
        "() => Array.from(document.querySelectorAll('#app *')).filter(e => e.getBoundingClientRect().right > 391"
        " && !e.closest('.table-wrap, .sections')).map(e => e.id || e.className).slice(0, 5)"
    )
    assert overflowing == []
    page.screenshot(path=str(SCREENSHOTS / "dashboard-390.png"), full_page=True)
    assert log.errors == []
