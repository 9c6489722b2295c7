"""A drop is never a silent success (issue 14, point 2): the answer says nothing was stored and why,
and every drop is counted by reason, per day and as an EMF metric."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.clock import day_of, iso, utc_now
from chalicelib.store import counters
from tests.integration.ingest_support import page_view, post, recent, seed, stored_events

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _today(counter: str) -> int:
    return counters.read_daily_counter(counter, day_of(utc_now()))


def _emf(capsys: Any) -> dict[str, float]:
    """Every EMF metric value printed so far (Powertools writes one JSON document per flush)."""
    values: dict[str, float] = {}
    for line in capsys.readouterr().out.splitlines():
        if '"_aws"' not in line:
            continue
        doc = json.loads(line)
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = doc[metric["Name"]]
                values[metric["Name"]] = values.get(metric["Name"], 0) + (
                    sum(value) if isinstance(value, list) else value
                )
    return values


def test_an_all_bot_request_says_nothing_was_stored_per_item(client: Any, capsys: Any) -> None:
    capsys.readouterr()
    reply = post(client, "batch", {"events": [{"type": "activity", **seed("activity")}] * 2}, {"User-Agent": GOOGLEBOT})
    assert reply.status == 202
    assert reply.data["accepted"] == 0 and reply.data["reasons"] == {"bot": 2}
    assert [r["reason"] for r in reply.data["results"]] == ["bot", "bot"]
    assert "none stored" in reply.body["message"]
    metrics = _emf(capsys)
    assert metrics.get("EventsDropped") == 2 and metrics.get("EventsDroppedBot") == 2
    assert stored_events() == []


def test_age_drops_are_counted_by_reason_and_named_per_item(client: Any, capsys: Any) -> None:
    old, future = _today("too_old_dropped"), _today("future_dropped")
    capsys.readouterr()
    too_old = datetime.now(UTC) - timedelta(days=60)  # the test stage keeps 40 days
    events = [
        page_view("s-age", "https://bilten.com/a", recent(5)),
        page_view("s-age", "https://bilten.com/b", too_old),
        page_view("s-age", "https://bilten.com/c", datetime.now(UTC) + timedelta(days=1)),
    ]
    reply = post(client, "batch", {"events": events})
    assert reply.status == 200, reply.body
    assert reply.data["accepted"] == 1 and reply.data["reasons"] == {"too_old": 1, "future": 1}
    assert [r.get("reason") for r in reply.data["results"]] == [None, "too_old", "future"]
    assert (_today("too_old_dropped") - old, _today("future_dropped") - future) == (1, 1)
    metrics = _emf(capsys)
    assert metrics.get("EventsDroppedTooOld") == 1 and metrics.get("EventsDroppedFuture") == 1


def test_a_single_too_old_event_is_a_400_and_counted(client: Any) -> None:
    before = _today("too_old_dropped")
    reply = post(client, "activity", seed("activity", timestamp=iso(datetime.now(UTC) - timedelta(days=60))))
    assert reply.status == 400 and reply.error_fields() == ["timestamp"]
    assert _today("too_old_dropped") - before == 1
