"""Identity only from a valid token, no raw IP (or user agent) at rest, bots dropped and counted."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from chalice.local import LambdaEventConverter

from chalicelib.auth import mint_token
from chalicelib.config import get_settings
from chalicelib.domain.clock import day_of, utc_now
from chalicelib.domain.privacy import ip_hash
from chalicelib.store import counters
from chalicelib.store.models import RawEvent
from tests.integration.ingest_support import (
    SEED_BODIES,
    every_table_dump,
    post,
    seed,
    stored_events,
    stored_sessions,
)

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_valid_user_token_sets_user_id(client: Any) -> None:
    reply = post(client, "activity", SEED_BODIES["activity"], bearer(mint_token("user", "u-42")))

    assert reply.status == 200
    [event] = stored_events()
    assert event.user_id == "u-42"
    assert event.anon_session_id is None  # signed-in events are indexed by user, not by anonymous session
    [found] = list(RawEvent.by_user.query("u-42"))
    assert found.message_id == reply.data["trackingId"]
    assert stored_sessions()["session-123"].user_id == "u-42"


def test_user_id_in_the_body_is_never_trusted(client: Any) -> None:
    single = post(client, "conversion", seed("conversion", userId="u-victim"))
    assert single.status == 400
    assert single.error["details"] == [{"field": "userId", "message": "unknown field"}]

    items = [
        {"type": "activity", **seed("activity", userId="u-victim")},
        {"type": "activity", **SEED_BODIES["activity"]},
    ]
    batch = post(client, "batch", {"events": items}, bearer(mint_token("user", "u-real")))
    assert batch.status == 200
    assert [r["status"] for r in batch.data["results"]] == ["rejected", "accepted"]
    assert batch.data["results"][0]["errors"] == [{"field": "events[0].userId", "message": "unknown field"}]
    assert [e.user_id for e in stored_events()] == ["u-real"]
    assert list(RawEvent.by_user.query("u-victim")) == []


def _forged() -> str:
    claims = {"sub": "u-forged", "role": "user", "exp": int(time.time()) + 600, "iss": get_settings().jwt_issuer}
    return jwt.encode(claims, "an-attacker-secret-of-at-least-32-bytes!!", algorithm="HS256")


def _unsigned() -> str:
    claims = {"sub": "u-forged", "role": "admin", "exp": int(time.time()) + 600, "iss": get_settings().jwt_issuer}
    return jwt.encode(claims, None, algorithm="none")


BAD_TOKENS = [
    pytest.param(lambda: _forged(), id="forged-signature"),
    pytest.param(lambda: mint_token("user", "u-forged", ttl_seconds=-60), id="expired"),
    pytest.param(lambda: _unsigned(), id="alg-none"),
    pytest.param(lambda: "not.a.jwt", id="garbage"),
    pytest.param(lambda: mint_token("user", "u-forged")[:-4] + "AAAA", id="tampered"),
]


@pytest.mark.parametrize("make_token", BAD_TOKENS)
def test_invalid_token_on_ingest_stores_the_event_anonymously(client: Any, make_token: Any) -> None:
    reply = post(client, "activity", SEED_BODIES["activity"], bearer(make_token()))

    assert reply.status == 200
    [event] = stored_events()
    assert event.user_id is None
    assert event.anon_session_id == "session-123"
    assert list(RawEvent.by_user.query("u-forged")) == []


def test_no_raw_ip_or_user_agent_is_stored_anywhere(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ip = "198.51.100.77"
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)
    headers = {"User-Agent": CHROME, "X-Forwarded-For": ip}
    for route, body in SEED_BODIES.items():
        assert post(client, route, body, headers).status == 200
    batch = {"events": [{"type": route, **body} for route, body in SEED_BODIES.items()]}
    assert post(client, "batch", batch, headers).status == 200
    assert post(client, "activity", seed("activity", pageUrl="nope"), headers).status == 400

    stored = every_table_dump()
    assert ip not in stored
    assert CHROME not in stored and "Chrome/120" not in stored
    events = stored_events()
    assert len(events) == 10
    expected_hash = ip_hash(get_settings().ip_hash_secret, day_of(utc_now()), ip)
    browser_events = [e for e in events if e.kind != "performance"]
    assert {e.ip_hash for e in browser_events} == {expected_hash}
    assert {(e.browser, e.os, e.device) for e in browser_events} == {("Chrome", "Windows", "desktop")}
    assert expected_hash in stored  # the keyed hash is what is kept (rate limit key, events)


def _bots_today() -> int:
    return counters.read_daily_counter("bots_dropped", day_of(utc_now()))


def test_bots_are_dropped_and_counted(client: Any) -> None:
    headers = {"User-Agent": GOOGLEBOT}
    before = _bots_today()

    single = post(client, "activity", SEED_BODIES["activity"], headers)
    batch = post(client, "batch", {"events": [{"type": "heatmap", **SEED_BODIES["heatmap"]}] * 3}, headers)

    assert single.status == batch.status == 202
    dropped = {"status": "dropped", "reason": "bot"}
    assert single.data == {
        "accepted": 0,
        "dropped": 1,
        "reason": "bot",
        "reasons": {"bot": 1},
        "results": [{"index": 0, **dropped}],
    }
    assert batch.data == {
        "accepted": 0,
        "dropped": 3,
        "reason": "bot",
        "reasons": {"bot": 3},
        "results": [{"index": i, **dropped} for i in range(3)],
    }
    assert stored_events() == []
    assert stored_sessions() == {}
    assert _bots_today() - before == 4


def test_browsers_are_not_mistaken_for_bots(client: Any) -> None:
    assert post(client, "activity", SEED_BODIES["activity"], {"User-Agent": CHROME}).status == 200
    assert len(stored_events()) == 1
    assert _bots_today() == 0
