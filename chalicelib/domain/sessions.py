"""Sessions folded from events: 30 minutes of inactivity ends a visit.

Each session remembers a compact set of 32-bit fingerprints of the messages it
has counted, so a retried request (or a repeated batch item) is counted once
without a read of the raw table or a dedup write per event.
"""

from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from chalicelib.domain.clock import iso, parse_iso

MAX_FINGERPRINTS = 1024
UTM_ATTRS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


@dataclass(frozen=True)
class SessionEvent:
    """The slice of an event a session cares about."""

    message_id: str
    ts: datetime
    kind: str
    name: str
    page: str | None = None
    user_id: str | None = None
    referrer: str | None = None
    referrer_domain: str | None = None
    campaign_id: str | None = None
    utm: dict[str, str] = field(default_factory=dict)
    browser: str | None = None
    os: str | None = None
    device: str | None = None

    @property
    def is_page_view(self) -> bool:
        return self.kind == "activity" and self.name == "page_view"

    @property
    def is_engagement(self) -> bool:
        """Anything a person did beyond landing: bounce is a lone page view without these."""
        if self.kind in ("interaction", "conversion"):
            return True
        return self.kind == "activity" and self.name not in ("page_view", "page_leave", "performance")


@dataclass
class SessionState:
    session_id: str
    first_seen: str
    last_seen: str
    segment: int = 0
    user_id: str | None = None
    entry_page: str | None = None
    exit_page: str | None = None
    page_views: int = 0
    events: int = 0
    engagements: int = 0
    duration: int = 0
    bounce: bool = True
    referrer: str | None = None
    referrer_domain: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    campaign_id: str | None = None
    touch_campaign: str | None = None
    browser: str | None = None
    os: str | None = None
    device: str | None = None
    seen: bytes = b""
    version: int | None = None


def fingerprint(message_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(message_id.encode(), digest_size=4).digest(), "big")


def _fingerprints(blob: bytes) -> array:
    values = array("I")
    if blob:
        values.frombytes(blob)
    return values


def _start(event: SessionEvent, session_id: str, segment: int) -> SessionState:
    state = SessionState(
        session_id=session_id,
        first_seen=iso(event.ts),
        last_seen=iso(event.ts),
        segment=segment,
        user_id=event.user_id,
        referrer=event.referrer,
        referrer_domain=event.referrer_domain,
        campaign_id=event.campaign_id,
        touch_campaign=event.campaign_id or event.utm.get("campaign"),
        browser=event.browser,
        os=event.os,
        device=event.device,
    )
    for attr in UTM_ATTRS:
        setattr(state, attr, event.utm.get(attr.removeprefix("utm_")))
    return state


def _absorb(state: SessionState, event: SessionEvent) -> None:
    first, last = parse_iso(state.first_seen), parse_iso(state.last_seen)
    if event.ts < first:
        state.first_seen = iso(event.ts)
    if event.ts > last:
        state.last_seen = iso(event.ts)
    state.events += 1
    if event.is_page_view:
        state.page_views += 1
        # Equal times keep the order of the request (the fold's sort is stable).
        if state.entry_page is None or event.ts < first:
            state.entry_page = event.page
        if state.exit_page is None or event.ts >= last:
            state.exit_page = event.page
    if event.is_engagement:
        state.engagements += 1
    state.user_id = state.user_id or event.user_id
    if state.touch_campaign is None:
        state.touch_campaign = first_touch(state) or event.campaign_id or event.utm.get("campaign")
    state.campaign_id = state.campaign_id or event.campaign_id
    # First touch: UTM and referrer of the visit's first event that had any.
    if not any(getattr(state, attr) for attr in UTM_ATTRS) and event.utm:
        for attr in UTM_ATTRS:
            setattr(state, attr, event.utm.get(attr.removeprefix("utm_")))
    if state.referrer is None and event.referrer:
        state.referrer, state.referrer_domain = event.referrer, event.referrer_domain
    for attr in ("browser", "os", "device"):
        if getattr(state, attr) is None:
            setattr(state, attr, getattr(event, attr))
    state.duration = int((parse_iso(state.last_seen) - parse_iso(state.first_seen)).total_seconds())
    state.bounce = state.page_views <= 1 and state.engagements == 0


def first_touch(state: SessionState) -> str | None:
    """The visit's first-touch campaign: that of its earliest event naming one (campaign id, else
    ``utm_campaign``). Sessions stored before ``touch_campaign`` existed fall back to theirs."""
    return state.touch_campaign or state.campaign_id or state.utm_campaign


@dataclass(frozen=True)
class Touch:
    """What an event's roll-ups need from its visit, decided when the event is stored."""

    campaign: str | None
    entry_page: str | None
    visit_start: bool


def _fold(
    state: SessionState | None, session_id: str, events: list[SessionEvent], timeout: timedelta
) -> tuple[SessionState | None, list[SessionState], int, dict[str, tuple[int, bool]]]:
    current = replace(state) if state else None
    seen = _fingerprints(current.seen) if current else array("I")
    known = set(seen)
    closed: list[SessionState] = []
    applied = 0
    placed: dict[str, tuple[int, bool]] = {}  # message id → (segment, started it)
    skipped: list[SessionEvent] = []
    # Event time decides; equal times keep the order of the request (sorted() is stable).
    for event in sorted(events, key=lambda e: e.ts):
        mark = fingerprint(event.message_id)
        if mark in known:
            skipped.append(event)
            continue
        known.add(mark)
        seen.append(mark)
        applied += 1
        if current is None:
            current = _start(event, session_id, 0)
            placed[event.message_id] = (0, True)
        elif event.ts > parse_iso(current.last_seen) + timeout:
            archived = replace(current, session_id=f"{session_id}~{current.segment}", seen=b"", version=None)
            closed.append(archived)
            current = replace(_start(event, session_id, current.segment + 1), version=current.version)
            placed[event.message_id] = (current.segment, True)
        else:
            placed[event.message_id] = (current.segment, False)
        _absorb(current, event)
    if current is not None:
        # Already counted (a retried request): the visit as stored; the one that opened it is the
        # earliest of them at the visit's first time, as when it was first folded.
        opened = any(started for _, started in placed.values())
        for event in skipped:
            started = not opened and iso(event.ts) == current.first_seen
            opened = opened or started
            placed[event.message_id] = (current.segment, started)
        if len(seen) > MAX_FINGERPRINTS:
            seen = seen[-MAX_FINGERPRINTS:]
        current.seen = seen.tobytes()
    return current, closed, applied, placed


def fold_session(
    state: SessionState | None, session_id: str, events: list[SessionEvent], timeout: timedelta
) -> tuple[SessionState | None, list[SessionState], int]:
    """Apply events to a session.

    Returns the current session, the visits it closed on the way (stored apart
    as ``<id>~<segment>``) and how many events were new. Events already counted
    (same fingerprint) are skipped, so folding the same events twice is a no-op.
    Events are applied in time order; equal times in the order given (the request's).
    """
    current, closed, applied, _ = _fold(state, session_id, events, timeout)
    return current, closed, applied


def touches(
    state: SessionState | None, session_id: str, events: list[SessionEvent], timeout: timedelta
) -> dict[str, Touch]:
    """Message id → its visit's first touch, entry page and whether it opened the visit, after
    folding ``events`` into ``state`` (the stored session, or None for a new one)."""
    current, closed, _, placed = _fold(state, session_id, events, timeout)
    visits = {visit.segment: visit for visit in closed}
    if current is not None:
        visits[current.segment] = current
    out: dict[str, Touch] = {}
    for message_id, (segment, started) in placed.items():
        visit = visits[segment]
        out[message_id] = Touch(first_touch(visit), visit.entry_page, started)
    return out
