"""The lake funnel equals the DynamoDB funnel it may replace and a brute-force reference.

Same generated events (hypothesis), ingested through the API, drained from the stream into
both roll-ups' source (DynamoDB, already there) and the lake; then every combination of mode
(ordered, strict), conversion window (edges at whole gaps), unit (anonymous sessions and
signed-in users spanning sessions) and filter is asked of all three.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from chalicelib.auth import mint_token
from chalicelib.domain.clock import iso
from chalicelib.domain.funnel import FunnelEvent, FunnelStep
from chalicelib.jobs import lake_writer
from chalicelib.services import journeys, lake_funnel
from chalicelib.store import catalog, dynamo, lake
from tests.integration.analytics_support import post_batch
from tests.streams import StreamDrainer
from tests.unit.test_funnel import brute_force

pytestmark = pytest.mark.xdist_group("lake_funnel")  # the emptiness check reads the property test's SEEN

NAMES = [("activity", "page_view"), ("interaction", "view"), ("activity", "add_to_cart"), ("conversion", "purchase")]
# actor → (user, session): four anonymous sessions, a user over two sessions, another user.
ACTORS = [(None, "s0"), (None, "s1"), (None, "s2"), (None, "s3"), ("u0", "s10"), ("u0", "s11"), ("u1", "s12")]
OFFSETS = [0, 1, 29, 30, 31, 60, 61, 300, 1441, 1470]  # minutes; window edges at 30 and 60, a day boundary
WINDOWS = [timedelta(minutes=30), timedelta(minutes=60), timedelta(days=1)]
FILTERS = [{}, {"userId": "u0"}, {"sessionId": "s1"}]
STEPS = [
    [FunnelStep("A", "page_view"), FunnelStep("B", "view"), FunnelStep("C", "purchase")],
    [FunnelStep("A", "page_view"), FunnelStep("B", "add_to_cart", "activity"), FunnelStep("C", "page_view")],
]


@contextmanager
def stack() -> Iterator[object]:
    from chalice.test import Client

    from app import app
    from chalicelib.store.tables import create_tables

    with mock_aws():
        dynamo.reset_client()
        lake.reset()
        catalog.forget()
        create_tables()
        lake.ensure_bucket()
        with Client(app) as client:
            yield client
        dynamo.reset_client()


def _body(n: int, actor: int, offset: int, name_index: int, base: datetime) -> dict:
    kind, name = NAMES[name_index]
    _user, session = ACTORS[actor]
    body = {
        "sessionId": session,
        "messageId": str(uuid.UUID(int=n + 1)),
        "timestamp": iso(base + timedelta(minutes=offset)),
    }
    if kind == "activity":
        return {**body, "type": "activity", "eventType": name, "pageUrl": f"https://bilten.com/{name}"}
    if kind == "interaction":
        return {**body, "type": "event-interaction", "eventId": "ev1", "interactionType": name}
    return {**body, "type": "conversion", "conversionType": name, "conversionValue": 5}


def reference(generated: list[tuple[int, int, int]], base: datetime, steps, window, mode, filters) -> list[tuple]:
    """Brute force straight from the generated tuples (nothing stored is read)."""
    events = []
    for n, (actor, offset, name_index) in enumerate(generated):
        user, session = ACTORS[actor]
        if filters.get("userId") not in (None, user) or filters.get("sessionId") not in (None, session):
            continue
        kind, name = NAMES[name_index]
        ts = base + timedelta(minutes=offset)
        unit = f"u:{user}" if user else f"s:{session}"
        events.append(FunnelEvent(unit, ts, f"{iso(ts)}#{uuid.UUID(int=n + 1)}", kind, name))
    units: dict[str, list[FunnelEvent]] = {}
    for event in events:
        units.setdefault(event.unit, []).append(event)
    results = [brute_force(unit_events, steps, window, mode) for unit_events in units.values()]
    rows = []
    for k in range(len(steps)):
        count = sum(1 for reached, _ in results if reached >= k + 1)
        times = [best[k] for reached, best in results if reached >= k + 1 and k in best]
        rows.append((count, statistics.median(times) if times else None))
    return rows


def _shape(rows: list[dict]) -> list[tuple]:
    return [(row["count"], row["medianTimeToConvert"]) for row in rows]


# Chains that convert, one at each window edge, a user across two sessions, a day boundary.
CONVERTING = [
    *[(0, 0, 0), (0, 30, 1), (0, 60, 3), (4, 0, 0), (5, 29, 1), (5, 31, 3), (1, 1, 0), (1, 31, 2), (1, 61, 0)],
    *[(1, 61, 1), (6, 300, 0), (6, 1441, 1), (6, 1470, 3), (2, 0, 1), (2, 1, 0), (2, 30, 1), (2, 31, 1), (2, 61, 3)],
]
SEEN: list[int] = []  # last-step counts asked, so a vacuous run (nobody converts) is visible
event = st.tuples(st.integers(0, len(ACTORS) - 1), st.sampled_from(OFFSETS), st.integers(0, len(NAMES) - 1))


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(event, min_size=1, max_size=28))
@example(CONVERTING)
def test_lake_funnel_equals_dynamodb_funnel_equals_brute_force(generated) -> None:
    base = (datetime.now(UTC) - timedelta(days=3)).replace(hour=23, minute=0, second=0, microsecond=0)
    start, end = base - timedelta(hours=1), datetime.now(UTC)
    with stack() as client:
        bodies = [_body(n, *g, base) for n, g in enumerate(generated)]
        anonymous = [b for b, g in zip(bodies, generated, strict=True) if ACTORS[g[0]][0] is None]
        if anonymous:
            post_batch(client, anonymous)
        for user in ("u0", "u1"):
            mine = [b for b, g in zip(bodies, generated, strict=True) if ACTORS[g[0]][0] == user]
            if mine:
                post_batch(client, mine, token=mint_token("user", user))
        StreamDrainer(process=lake_writer.process_batch).drain()
        for steps in STEPS:
            for mode in ("ordered", "strict"):
                for window in WINDOWS:
                    for filters in FILTERS:
                        expected = reference(generated, base, steps, window, mode, filters)
                        from_dynamo = journeys.dynamo_funnel(steps, start, end, window, mode, filters)
                        from_lake = lake_funnel.funnel(
                            steps, start, end, window, mode, filters, journeys.FILTER_ATTRIBUTES
                        )
                        assert _shape(from_dynamo) == expected, (mode, window, filters)
                        assert from_lake == from_dynamo, (mode, window, filters)
                        SEEN.append(expected[-1][0])


def test_the_generated_funnels_were_not_all_empty() -> None:
    if not SEEN:  # run alone, or before the property test under xdist
        test_lake_funnel_equals_dynamodb_funnel_equals_brute_force()
    assert max(SEEN) > 0 and min(SEEN) == 0
