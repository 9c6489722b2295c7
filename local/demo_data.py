"""A realistic, deterministic demo data set, loaded through the public ``POST /batch``.

30 days of visits to a Bilten event listing: landings with UTM campaigns and
referrers, searches, event views/likes/shares/bookmarks, clicks, scrolls,
add-to-cart, purchases with values, registrations, heatmap clicks, API
performance samples, and some crawler traffic (dropped by the API). Signed-in
visitors send their own JWT, exactly as the SDK would; one request per visit
batch, like the SDK's batching.

Idempotent twice over: a checkpoint item marks the set as loaded (a re-run
skips it), and every event carries a deterministic ``messageId`` + timestamp.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

SITE = "https://bilten.com"
NAMESPACE = uuid.UUID("6f1c2a8e-4d0b-4a43-9d7e-3b7f1f0c2b11")
CATEGORIES = ("music", "tech", "sports", "art", "food", "theatre")
TITLES = (
    "Jazz Night",
    "Indie Fest",
    "Python Summit",
    "Cloud Days",
    "City Marathon",
    "Derby Final",
    "Modern Art Expo",
    "Street Food Fair",
    "Wine Tasting",
    "Hamlet",
    "Opera Gala",
    "Techno Rave",
    "Data Conf",
    "Chess Open",
    "Photo Walk",
    "Cooking Class",
    "Comedy Club",
    "Ballet Evening",
    "Rock Legends",
    "Startup Pitch",
)
EVENTS = [
    (
        f"evt-{i:03d}",
        f"{TITLES[i % len(TITLES)]} {2024 + i // len(TITLES)}",
        CATEGORIES[i % len(CATEGORIES)],
        round(15 + (i * 37) % 140 + 0.99, 2),
    )
    for i in range(40)
]
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
    "Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile "
    "Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 "
    "Safari/604.1",
)
BOT_AGENT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SERVER_AGENT = "BiltenAPI/1.0 (backend; performance reporter)"
CAMPAIGNS = (
    ("summer2024", "google", "cpc", "music events"),
    ("newsletter_nov", "newsletter", "email", None),
    ("autumn_social", "facebook", "social", None),
)
REFERRERS = (
    "https://www.google.com/",
    "https://www.facebook.com/",
    "https://t.co/abc",
    "https://news.ycombinator.com/",
)
ENDPOINTS = (
    ("/api/v1/events", 120),
    ("/api/v1/events/{id}", 90),
    ("/api/v1/search", 260),
    ("/api/v1/orders", 420),
    ("/api/v1/auth/login", 180),
)
SEARCHES = ("music events", "jazz", "tech conference", "marathon", "food festival", "theatre tonight", "art")


@dataclass
class VisitBatch:
    """One SDK flush: the events of one visit sent with one identity and user agent."""

    user_id: str | None
    user_agent: str
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DemoPlan:
    batches: list[VisitBatch]

    @property
    def event_count(self) -> int:
        return sum(len(b.events) for b in self.batches)


class _Builder:
    def __init__(self, rng: random.Random, seed: int):
        self.rng = rng
        self.seed = seed
        self.counter = 0

    def stamp(self, moment: datetime) -> dict[str, str]:
        self.counter += 1
        message_id = str(uuid.uuid5(NAMESPACE, f"demo:{self.seed}:{self.counter}"))
        ts = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        return {"messageId": message_id, "timestamp": ts}


def _visit(
    b: _Builder, start: datetime, session_id: str, landing_query: str, referrer: str | None, campaign: tuple | None
) -> list[dict[str, Any]]:
    rng = b.rng
    t = start
    out: list[dict[str, Any]] = []

    def step(seconds_low: int = 5, seconds_high: int = 90) -> datetime:
        nonlocal t
        t = t + timedelta(seconds=rng.randint(seconds_low, seconds_high), milliseconds=rng.randint(0, 999))
        return t

    def activity(event_type: str, path: str, data: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {
            "type": "activity",
            "eventType": event_type,
            "sessionId": session_id,
            "pageUrl": f"{SITE}{path}",
            **b.stamp(t),
        }
        if data:
            body["eventData"] = data
        out.append(body)

    landing = rng.choice(("/", "/events", "/events", f"/events/{rng.choice(EVENTS)[0]}"))
    landing_data: dict[str, Any] = {"title": "Bilten — events near you"}
    if referrer:
        landing_data["referrer"] = referrer
    activity("page_view", landing + landing_query, landing_data)
    if rng.random() < 0.3:
        return out  # bounce
    if rng.random() < 0.4:
        query = rng.choice(SEARCHES)
        step()
        activity("search", f"/search?q={query.replace(' ', '+')}", {"query": query, "results": rng.randint(0, 60)})
    viewed = rng.sample(EVENTS, k=rng.randint(1, 4))
    for event_id, title, category, _price in viewed:
        step()
        activity("page_view", f"/events/{event_id}", {"title": title})
        activity("event_view", f"/events/{event_id}", {"eventId": event_id, "category": category})
        out.append(
            {
                "type": "event-interaction",
                "eventId": event_id,
                "interactionType": "view",
                "sessionId": session_id,
                "pageUrl": f"{SITE}/events/{event_id}",
                "interactionData": {"duration": rng.randint(5, 240), "scrollDepth": rng.choice((25, 50, 75, 100))},
                **b.stamp(step(2, 20)),
            }
        )
        width, height = rng.choice(((1440, 900), (1280, 800), (390, 844), (820, 1180)))
        out.append(
            {
                "type": "heatmap",
                "pageUrl": f"{SITE}/events/{event_id}",
                "sessionId": session_id,
                "xPosition": int(rng.triangular(0, width, width * 0.55)),
                "yPosition": int(rng.triangular(0, height * 2.5, height * 0.6)),
                "viewportWidth": width,
                "viewportHeight": height,
                "documentHeight": int(height * 2.5),
                "elementSelector": rng.choice((".event-card", ".buy-ticket", ".like-button", "#hero", ".share")),
                "clickCount": 1,
                "hoverCount": rng.randint(0, 4),
                "scrollDepth": rng.choice((25, 50, 75, 100)),
                **b.stamp(step(1, 10)),
            }
        )
        for interaction, probability in (("like", 0.25), ("bookmark", 0.12), ("share", 0.08)):
            if rng.random() < probability:
                data = {"platform": rng.choice(("facebook", "x", "whatsapp"))} if interaction == "share" else {}
                out.append(
                    {
                        "type": "event-interaction",
                        "eventId": event_id,
                        "interactionType": interaction,
                        "sessionId": session_id,
                        "interactionData": data,
                        **b.stamp(step(1, 15)),
                    }
                )
        if rng.random() < 0.5:
            step(1, 20)
            activity("button_click", f"/events/{event_id}", {"buttonId": "buy-ticket", "eventId": event_id})
        if rng.random() < 0.6:
            step(1, 30)
            activity("scroll", f"/events/{event_id}", {"depth": rng.choice((25, 50, 75, 100))})
    if rng.random() < 0.3:
        event_id, title, _category, price = rng.choice(viewed)
        tickets = rng.choice((1, 1, 2, 2, 3, 4))
        step()
        activity("add_to_cart", f"/events/{event_id}", {"eventId": event_id, "tickets": tickets})
        step()
        activity("page_view", "/cart", {"title": "Cart"})
        if rng.random() < 0.55:
            step(20, 180)
            conversion: dict[str, Any] = {
                "type": "conversion",
                "conversionType": "purchase",
                "conversionValue": round(price * tickets, 2),
                "currency": "EUR",
                "sessionId": session_id,
                "eventId": event_id,
                "conversionData": {
                    "orderId": f"order-{b.counter}",
                    "eventId": event_id,
                    "ticketCount": tickets,
                    "paymentMethod": rng.choice(("credit_card", "paypal", "apple_pay")),
                },
                **b.stamp(t),
            }
            if campaign:
                conversion["campaignId"] = campaign[0]
            out.append(conversion)
            step(1, 5)
            activity("page_view", "/checkout/success", {"title": "Thank you"})
    return out


def generate(now: datetime | None = None, days: int = 30, visits_per_day: int = 60, seed: int = 7) -> DemoPlan:
    """Deterministic for a given ``now`` and seed."""
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    rng = random.Random(seed)
    b = _Builder(rng, seed)
    users = [f"demo-user-{i:03d}" for i in range(1, 221)]
    batches: list[VisitBatch] = []
    start_day = (now - timedelta(days=days)).replace(hour=0, minute=0)
    visit_no = 0
    for day in range(days + 1):
        day_start = start_day + timedelta(days=day)
        count = int(visits_per_day * (1.25 if day_start.weekday() >= 5 else 1.0))
        for _ in range(count):
            hour = min(23.99, max(0.0, rng.gauss(15, 4.5)))
            start = day_start + timedelta(hours=hour)
            if start > now - timedelta(minutes=45):
                continue
            visit_no += 1
            batches.extend(_plan_visit(b, rng, start, visit_no, users))
    for minute in range(0, 45, 3):  # a live last hour for the real-time panel
        visit_no += 1
        batches.extend(_plan_visit(b, rng, now - timedelta(minutes=45 - minute), visit_no, users))
    for i in range(20):  # crawlers: dropped and counted by the API
        moment = now - timedelta(hours=i * 7)
        batches.append(
            VisitBatch(
                None,
                BOT_AGENT,
                [
                    {
                        "type": "activity",
                        "eventType": "page_view",
                        "sessionId": f"bot-{i}",
                        "pageUrl": f"{SITE}/events",
                        **b.stamp(moment),
                    }
                ],
            )
        )
    for day in range(days + 1):  # backend performance samples, one report per hour
        for hour in range(24):
            moment = start_day + timedelta(days=day, hours=hour, minutes=rng.randint(0, 59))
            if moment > now:
                break
            samples = []
            for endpoint, median in ENDPOINTS:
                for _ in range(rng.randint(1, 2)):
                    slow = rng.random() < 0.03
                    latency = int(rng.lognormvariate(0, 0.45) * median * (6 if slow else 1))
                    failed = rng.random() < 0.02
                    samples.append(
                        {
                            "type": "performance",
                            "endpoint": endpoint,
                            "method": "GET",
                            "responseTime": min(latency, 600_000),
                            "statusCode": 500 if failed else 200,
                            "errorMessage": "upstream timeout" if failed else None,
                            **b.stamp(moment + timedelta(seconds=rng.randint(0, 59))),
                        }
                    )
            batches.append(VisitBatch(None, SERVER_AGENT, samples))
    return DemoPlan(batches)


def _plan_visit(b: _Builder, rng: random.Random, start: datetime, visit_no: int, users: list[str]) -> list[VisitBatch]:
    session_id = f"session_{int(start.timestamp())}_{visit_no:05d}"
    campaign = rng.choice(CAMPAIGNS) if rng.random() < 0.3 else None
    referrer = None
    query = ""
    if campaign:
        query = f"?utm_source={campaign[1]}&utm_medium={campaign[2]}&utm_campaign={campaign[0]}"
        if campaign[3]:
            query += f"&utm_term={campaign[3].replace(' ', '+')}"
        referrer = {"google": REFERRERS[0], "facebook": REFERRERS[1]}.get(campaign[1])
    elif rng.random() < 0.5:
        referrer = rng.choice(REFERRERS)
    events = _visit(b, start, session_id, query, referrer, campaign)
    agent = rng.choice(USER_AGENTS)
    user = users[min(len(users) - 1, int(rng.paretovariate(1.2)) - 1)] if rng.random() < 0.45 else None
    if user and len(events) > 3 and rng.random() < 0.25:
        # Signs in half-way through the visit: the first part stays anonymous.
        half = len(events) // 2
        return [VisitBatch(None, agent, events[:half]), VisitBatch(user, agent, events[half:])]
    if user and rng.random() < 0.05:
        events.append(
            {
                "type": "conversion",
                "conversionType": "registration",
                "conversionValue": 0,
                "sessionId": session_id,
                "conversionData": {"source": "event_page"},
                **b.stamp(
                    datetime.fromisoformat(events[-1]["timestamp"].replace("Z", "+00:00")) + timedelta(seconds=30)
                ),
            }
        )
    return [VisitBatch(user, agent, events)]


def send(base_url: str, batch: VisitBatch, token: str | None, session: requests.Session) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "User-Agent": batch.user_agent}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    for attempt in range(6):
        response = session.post(f"{base_url}/batch", json={"events": batch.events}, headers=headers, timeout=60)
        if response.status_code in (429, 503) and attempt < 5:
            import time

            time.sleep(float(response.headers.get("Retry-After", "1")) * (attempt + 1))
            continue
        if response.status_code >= 400 and response.status_code != 202:
            raise RuntimeError(f"batch rejected ({response.status_code}): {response.text[:500]}")
        return response.json()
    raise RuntimeError("batch kept failing")


_sessions = threading.local()


def _thread_session() -> requests.Session:
    """One keep-alive HTTP session per loader thread (a Session is not shared across threads)."""
    if not hasattr(_sessions, "session"):
        _sessions.session = requests.Session()
    return _sessions.session


def load(base_url: str, plan: DemoPlan, workers: int = 4, progress: bool = True) -> dict[str, int]:
    """Post every batch (with the visitor's token if signed in), showing a progress bar."""
    from tqdm import tqdm

    from chalicelib.auth import mint_token

    tokens: dict[str, str] = {}
    totals = {"accepted": 0, "rejected": 0, "dropped": 0, "requests": 0}

    def post(batch: VisitBatch) -> tuple[int, dict[str, Any]]:
        token = None
        if batch.user_id:
            token = tokens.setdefault(batch.user_id, mint_token("user", batch.user_id, 6 * 3600))
        return len(batch.events), send(base_url, batch, token, _thread_session())

    with (
        tqdm(total=plan.event_count, unit="ev", desc="demo data", disable=not progress, file=sys.stdout) as bar,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        for size, body in pool.map(post, plan.batches):
            data = body.get("data", {})
            totals["accepted"] += int(data.get("accepted", 0))
            totals["rejected"] += int(data.get("rejected", 0))
            totals["dropped"] += int(data.get("dropped", 0))
            totals["requests"] += 1
            bar.update(size)
    return totals


DEMO_EXPERIMENT = {
    "testName": "Checkout button colour",
    "testType": "page",
    "variants": [{"name": "control"}, {"name": "green-button"}],
    "conversionType": "purchase",
    "minSample": 50,
}


def create_campaigns(base_url: str, admin_token: str, session: requests.Session | None = None) -> None:
    """The demo's UTM campaigns as campaign records (an existing one is left as it is)."""
    session = session or requests.Session()
    admin = {"Authorization": f"Bearer {admin_token}", "User-Agent": USER_AGENTS[0]}
    for campaign_id, source, medium, term in CAMPAIGNS:
        body = {
            "campaignId": campaign_id,
            "campaignName": campaign_id.replace("_", " ").title(),
            "campaignSource": source,
            "campaignMedium": medium,
            **({"campaignTerm": term} if term else {}),
        }
        response = session.post(f"{base_url}/campaigns", json=body, headers=admin, timeout=30)
        if response.status_code not in (201, 409):
            raise RuntimeError(f"campaign refused ({response.status_code}): {response.text[:300]}")


def load_catalogue(base_url: str, admin_token: str, seed: int = 7, per_variant: int = 60) -> dict[str, Any]:
    """The demo campaigns (so first-touch performance has names) and one running A/B test with
    exposures and purchases, through the admin routes like an operator would set them up."""
    rng = random.Random(seed)
    session = requests.Session()
    admin = {"Authorization": f"Bearer {admin_token}", "User-Agent": USER_AGENTS[0]}
    create_campaigns(base_url, admin_token, session)
    response = session.post(f"{base_url}/experiments", json=DEMO_EXPERIMENT, headers=admin, timeout=30)
    if response.status_code != 201:
        raise RuntimeError(f"experiment refused ({response.status_code}): {response.text[:300]}")
    experiment_id = response.json()["data"]["id"]

    def assign(unit: str) -> tuple[str, str]:
        answer = _thread_session().post(
            f"{base_url}/experiments/{experiment_id}/assign",
            json={"sessionId": unit},
            headers={"User-Agent": USER_AGENTS[0]},
            timeout=30,
        )
        answer.raise_for_status()
        return unit, answer.json()["data"]["variant"]

    units = [f"session_ab_{seed}_{i:04d}" for i in range(2 * per_variant)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assigned = list(pool.map(assign, units))
    b = _Builder(rng, seed + 1000)
    now = datetime.now(UTC) - timedelta(minutes=5)
    purchases = [
        {
            "type": "conversion",
            "conversionType": "purchase",
            "conversionValue": rng.choice((29.99, 49.5, 74.0)),
            "sessionId": unit,
            **b.stamp(now - timedelta(seconds=index)),
        }
        for index, (unit, variant) in enumerate(assigned)
        if rng.random() < (0.3 if variant == "green-button" else 0.15)
    ]
    send(base_url, VisitBatch(None, USER_AGENTS[0], purchases), None, session)
    return {"campaigns": len(CAMPAIGNS), "experiment": experiment_id, "exposures": len(assigned)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load the demo data set through POST /batch.")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--visits-per-day", type=int, default=60)
    parser.add_argument("--force", action="store_true", help="load even if the checkpoint says it is loaded")
    args = parser.parse_args(argv)

    from chalicelib.domain.clock import iso, utc_now
    from chalicelib.store.models import JobCheckpoint

    try:
        marker = JobCheckpoint.get("demo-data")
    except JobCheckpoint.DoesNotExist:
        marker = None
    if marker and not args.force:
        print(f"• demo data already loaded at {marker.updated_at} ({marker.state}); skipping", flush=True)
        return 0
    plan = generate(days=args.days, visits_per_day=args.visits_per_day)
    print(f"• loading demo data: {plan.event_count} events in {len(plan.batches)} requests", flush=True)
    totals = load(args.base_url, plan)
    from chalicelib.auth import mint_token
    from chalicelib.jobs.registry import JOBS

    catalogue = load_catalogue(args.base_url, mint_token("admin", "demo-loader", 3600))
    JOBS["ab-results"].run(utc_now())  # results now, not at the scheduler's next quarter hour
    print(f"• demo campaigns and experiment: {catalogue}", flush=True)
    JobCheckpoint(job="demo-data", position="loaded", state=totals, updated_at=iso(utc_now())).save()
    print(f"• demo data loaded: {totals}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
