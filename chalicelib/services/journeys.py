"""Journeys and funnels: one user's path through the product, and how many units pass each step.

Both read raw events, never a scan: a journey is the user's ``by_user`` index
partition; a funnel reads only the day partitions of the names its steps match
(found through the day catalog), or the user's partition when filtered by user.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from chalicelib.config import get_settings
from chalicelib.domain.clock import days_between
from chalicelib.domain.funnel import FunnelEvent, FunnelStep, funnel_counts, unit_of
from chalicelib.domain.journey import JourneyEvent
from chalicelib.domain.journey import analyse as analyse_journey
from chalicelib.domain.stored import StoredEvent
from chalicelib.store import catalog, rawevents

MAX_JOURNEY_ROWS = 1000
FUNNEL_KINDS = ("activity", "interaction", "conversion")
FILTER_ATTRIBUTES = {
    "userId": "user_id",
    "sessionId": "session_id",
    "eventId": "event_id",
    "campaignId": "campaign_id",
    "device": "device",
    "browser": "browser",
    "os": "os",
    "utmSource": "utm_source",
    "utmMedium": "utm_medium",
    "utmCampaign": "utm_campaign",
}


def _activity_row(event: StoredEvent) -> dict:
    return {
        "id": event.message_id,
        "event_type": event.name,
        "session_id": event.session_id,
        "page_url": event.page_url,
        "event_data": event.data,
        "created_at": event.ts,
    }


def _interaction_row(event: StoredEvent) -> dict:
    return {
        "id": event.message_id,
        "event_id": event.event_id,
        "interaction_type": event.name,
        "interaction_data": event.data,
        "session_id": event.session_id,
        "created_at": event.ts,
    }


def user_journey(
    user_id: str, start: datetime, end: datetime, include_events: bool = True, include_interactions: bool = True
) -> dict:
    """The seed's ``GET /user-journey/{userId}`` data: rows (newest first, bounded) and the analysis."""
    events = list(rawevents.events_of_user(user_id, start, end))
    journey_events = [
        JourneyEvent(ts=e.moment, order=e.sk, kind=e.kind, name=e.name, session_id=e.session_id, page=e.page)
        for e in events
    ]
    analysis = analyse_journey(journey_events, timedelta(seconds=get_settings().session_timeout_seconds))
    newest_first = sorted(events, key=lambda e: e.sk, reverse=True)
    activity = [_activity_row(e) for e in newest_first if e.kind == "activity"][:MAX_JOURNEY_ROWS]
    interactions = [_interaction_row(e) for e in newest_first if e.kind == "interaction"][:MAX_JOURNEY_ROWS]
    return {
        "userId": user_id,
        "userActivity": activity if include_events else [],
        "eventInteractions": interactions if include_interactions else [],
        **analysis,
    }


def _funnel_events(
    steps: list[FunnelStep], start: datetime, end: datetime, user_id: str | None
) -> Iterator[StoredEvent]:
    """Only the steps' partitions in range (or the user's index partition when filtered by user)."""
    if user_id:
        yield from rawevents.events_of_user(user_id, start, end)
        return
    for day in days_between(start, end):
        for entry in catalog.names_on(day):
            kind, _, name = entry.partition("/")
            if kind in FUNNEL_KINDS and any(step.matches(kind, name) for step in steps):
                yield from rawevents.events_of_name_on(kind, name, day, start, end)


def funnel(
    steps: list[FunnelStep],
    start: datetime,
    end: datetime,
    window: timedelta,
    mode: str,
    filters: dict[str, str],
) -> list[dict]:
    """Units (users, else sessions) reaching each step in order within ``window`` of their first step.

    ``FUNNEL_SOURCE=lake`` answers from the event lake (imported lazily: the engine stays off the
    ingest path); the default reads the steps' raw DynamoDB partitions."""
    if get_settings().funnel_source == "lake":
        from chalicelib.services import lake_funnel

        return lake_funnel.funnel(steps, start, end, window, mode, filters, FILTER_ATTRIBUTES)
    return dynamo_funnel(steps, start, end, window, mode, filters)


def dynamo_funnel(
    steps: list[FunnelStep],
    start: datetime,
    end: datetime,
    window: timedelta,
    mode: str,
    filters: dict[str, str],
) -> list[dict]:
    """The funnel from the steps' raw DynamoDB partitions (or the user's index partition)."""
    events = []
    for event in _funnel_events(steps, start, end, filters.get("userId")):
        if any(event.get(FILTER_ATTRIBUTES[key]) != value for key, value in filters.items()):
            continue
        unit = unit_of(event.user_id, event.session_id)
        if unit is None:
            continue
        events.append(FunnelEvent(unit, event.moment, event.sk, event.kind, event.name))
    return funnel_counts(events, steps, window, mode)
