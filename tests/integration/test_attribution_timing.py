"""First-touch attribution whatever the stream consumer's timing (issue 16, point 1).

The stream consumer is forced to run between a request's raw writes and its session writes:
the roll-ups must still equal a brute-force first-touch count of the same events, because
every raw item carries its visit's first touch when it is written, and the consumer never
reads the sessions table.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.domain.clock import iso
from chalicelib.store import dynamo
from chalicelib.store import sessions as session_store
from chalicelib.store.models import Session
from tests.integration.analytics_support import auth, get, post, post_batch
from tests.streams import StreamDrainer

CAMPAIGNS = ("spring", "autumn")


def _mid(n: int) -> str:
    return str(uuid.UUID(int=n))


def _page(session: str, url: str, moment: datetime | None, mid: int) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "activity",
        "eventType": "page_view",
        "sessionId": session,
        "pageUrl": url,
        "messageId": _mid(mid),
    }
    if moment is not None:
        event["timestamp"] = iso(moment)
    return event


def _conversion(session: str, moment: datetime | None, mid: int, value: float = 10.0) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "conversion",
        "conversionType": "purchase",
        "conversionValue": value,
        "sessionId": session,
        "messageId": _mid(mid),
    }
    if moment is not None:
        event["timestamp"] = iso(moment)
    return event


def _own_campaign(event: dict[str, Any]) -> str | None:
    if event.get("campaignId"):
        return event["campaignId"]
    query = parse_qs(urlsplit(event.get("pageUrl", "")).query)
    return query.get("utm_campaign", [None])[0]


def brute_force(requests: list[list[dict[str, Any]]], server_times: list[datetime]) -> dict[str, dict[str, Any]]:
    """Each visit's campaign is that of its earliest event (event time, then request order) that
    names one; every event of the visit counts for it."""
    by_session: dict[str, list[tuple[datetime, int, int, dict[str, Any]]]] = defaultdict(list)
    for number, (events, server_time) in enumerate(zip(requests, server_times, strict=True)):
        for position, event in enumerate(events):
            moment = datetime.fromisoformat(event["timestamp"]) if "timestamp" in event else server_time
            by_session[event["sessionId"]].append((moment, number, position, event))
    out = {c: {"pageViews": 0, "conversions": 0, "sessions": set()} for c in CAMPAIGNS}
    for session, events in by_session.items():
        ordered = [e for *_, e in sorted(events, key=lambda t: t[:3])]
        touch = next((c for c in map(_own_campaign, ordered) if c), None)
        if touch is None:
            continue
        for event in ordered:
            out[touch]["sessions"].add(session)
            if event["type"] == "activity" and event["eventType"] == "page_view":
                out[touch]["pageViews"] += 1
            if event["type"] == "conversion":
                out[touch]["conversions"] += 1
    return {c: {**v, "sessions": len(v["sessions"])} for c, v in out.items()}


@pytest.fixture
def stream_in_the_gap(monkeypatch: pytest.MonkeyPatch) -> StreamDrainer:
    """Drain the events stream after a request's raw writes and before its session writes; and
    refuse any read of the sessions table while draining."""
    drainer = StreamDrainer()
    original_upsert = session_store.upsert_sessions
    original_batch_get = dynamo.batch_get
    draining = {"now": False}

    def guarded_batch_get(table: str, *args: Any, **kwargs: Any) -> Any:
        if draining["now"] and table == Session.Meta.table_name:
            raise AssertionError("the stream consumer read the sessions table")
        return original_batch_get(table, *args, **kwargs)

    def drain() -> int:
        draining["now"] = True
        try:
            return drainer.drain()
        finally:
            draining["now"] = False

    def upsert_after_drain(*args: Any, **kwargs: Any) -> Any:
        drain()
        return original_upsert(*args, **kwargs)

    monkeypatch.setattr(dynamo, "batch_get", guarded_batch_get)
    monkeypatch.setattr(session_store, "upsert_sessions", upsert_after_drain)
    drainer.drain_guarded = drain  # type: ignore[attr-defined]
    return drainer


def test_attribution_survives_consumer_between_raw_and_session_writes(client, stream_in_the_gap) -> None:
    for campaign in CAMPAIGNS:
        status, body = post(client, "/campaigns", {"campaignId": campaign, "campaignName": campaign}, auth())
        assert status == 201, body
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    requests: list[list[dict[str, Any]]] = []
    mid = 1000
    # Three batches of new visits, client timestamps: a landing page naming the campaign, a
    # plain page, for some a page naming the *other* campaign, for some a purchase without UTM.
    visit = 0
    for batch in range(3):
        events = []
        for _ in range(4):
            campaign, other = CAMPAIGNS[visit % 2], CAMPAIGNS[(visit + 1) % 2]
            session = f"visit-{visit}"
            t0 = start + timedelta(minutes=batch * 3, seconds=visit)
            events.append(_page(session, f"https://bilten.com/?utm_campaign={campaign}", t0, mid := mid + 1))
            events.append(_page(session, "https://bilten.com/events", t0 + timedelta(seconds=10), mid := mid + 1))
            if visit % 3 == 0:
                url = f"https://bilten.com/e/1?utm_campaign={other}"
                events.append(_page(session, url, t0 + timedelta(seconds=20), mid := mid + 1))
            if visit % 2 == 1:
                events.append(_conversion(session, t0 + timedelta(seconds=30), mid := mid + 1))
            visit += 1
        # Shuffle within the request: event time, not arrival order, decides.
        requests.append(list(reversed(events)))
    # Equal timestamps (none given: the server's time for all): the first event's campaign wins,
    # even when its messageId sorts after the second's.
    equal = []
    for k in range(4):
        session = f"same-time-{k}"
        first, second = CAMPAIGNS[k % 2], CAMPAIGNS[(k + 1) % 2]
        equal.append(_page(session, f"https://bilten.com/?utm_campaign={first}", None, 50 + 2 * k))
        equal.append(_page(session, f"https://bilten.com/x?utm_campaign={second}", None, 49 + 2 * k))
    requests.append(equal)
    # A visit continued in a later request: the purchase counts for the stored first touch.
    requests.append([_conversion("visit-0", start + timedelta(minutes=20), 9001, 25.0)])

    server_times = []
    for events in requests:
        server_times.append(datetime.now(UTC).replace(microsecond=0))
        post_batch(client, events)
    stream_in_the_gap.drain_guarded()  # type: ignore[attr-defined]

    expected = brute_force(requests, server_times)
    assert expected["spring"]["pageViews"] > 0 and expected["autumn"]["conversions"] > 0
    for campaign in CAMPAIGNS:
        status, body = get(client, f"/campaigns/{campaign}/performance?timeRange=7d", auth())
        assert status == 200, body
        perf = body["data"]
        got = {k: perf[k] for k in ("pageViews", "conversions", "sessions")}
        assert got == expected[campaign], campaign


def test_equal_timestamp_batch_credits_first_event(client, stream_in_the_gap) -> None:
    post(client, "/campaigns", {"campaignId": "spring", "campaignName": "Spring"}, auth())
    post(client, "/campaigns", {"campaignId": "autumn", "campaignName": "Autumn"}, auth())
    # No timestamps: both events get the request's time. The second's messageId sorts first.
    post_batch(
        client,
        [
            _page("tie", "https://bilten.com/?utm_campaign=spring", None, 2),
            _page("tie", "https://bilten.com/b?utm_campaign=autumn", None, 1),
        ],
    )
    stream_in_the_gap.drain_guarded()  # type: ignore[attr-defined]
    _, spring = get(client, "/campaigns/spring/performance?timeRange=7d", auth())
    _, autumn = get(client, "/campaigns/autumn/performance?timeRange=7d", auth())
    assert spring["data"]["pageViews"] == 2 and spring["data"]["sessions"] == 1
    assert autumn["data"]["pageViews"] == 0
    stored = session_store.load_sessions(["tie"])["tie"]
    assert stored.utm_campaign == "spring" and stored.entry_page == "/"
