"""The one read model of a stored raw event, and the slice of it that aggregates count.

Every reader (analytics, jobs, the stream handler, privacy, exports) gets a
``StoredEvent`` from ``store.rawevents.decode``, the only place that knows how a
raw item is encoded. ``EventFact`` is what roll-ups and engagement count; it is
derived here, once, so "which campaign does a conversion name" or "is this an
error" has one answer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from chalicelib.domain.clock import parse_iso


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A raw fact as stored: keys, kind, name, time (ISO, as in the sort key) and every attribute
    its kind may carry (absent ones ``None``). Numbers are ``int`` when whole."""

    pk: str
    sk: str
    kind: str = ""
    name: str = ""
    ts: str = ""
    message_id: str = ""
    expires_at: int | None = None
    session_id: str | None = None
    anon_session_id: str | None = None
    user_id: str | None = None
    page_url: str | None = None
    page_path: str | None = None
    referrer: str | None = None
    referrer_domain: str | None = None
    data: Any = None
    event_id: str | None = None
    value: float | None = None
    currency: str | None = None
    campaign_id: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    endpoint: str | None = None
    method: str | None = None
    response_time: float | None = None
    status_code: int | None = None
    error_message: str | None = None
    x: float | None = None
    y: float | None = None
    viewport_width: int | None = None
    viewport_height: int | None = None
    document_height: int | None = None
    element_selector: str | None = None
    click_count: int | None = None
    hover_count: int | None = None
    scroll_depth: int | None = None
    browser: str | None = None
    os: str | None = None
    device: str | None = None
    ip_hash: str | None = None
    touch_campaign: str | None = None
    entry_page: str | None = None
    visit_start: int | None = None

    @property
    def moment(self) -> datetime:
        return parse_iso(self.ts)

    @property
    def page(self) -> str | None:
        """Where it happened: the path when known, else the URL."""
        return self.page_path or self.page_url

    def get(self, name: str, default: Any = None) -> Any:
        """An attribute by its stored name (filters and exports name attributes as data)."""
        value = getattr(self, name, None)
        return default if value is None else value

    def as_dict(self) -> dict[str, Any]:
        """Present attributes only, by stored name (snake_case)."""
        return {name: getattr(self, name) for name in ATTRIBUTE_NAMES if getattr(self, name) is not None}


ATTRIBUTE_NAMES = tuple(f.name for f in fields(StoredEvent))


@dataclass(frozen=True)
class EventFact:
    """The slice of a stored event that roll-ups and engagement count."""

    kind: str
    name: str
    ts: datetime
    session_id: str | None = None
    user_id: str | None = None
    event_id: str | None = None
    value: float = 0.0
    campaign_id: str | None = None
    touch_campaign: str | None = None
    visit_start: bool = False
    page_path: str | None = None
    response_time: float | None = None
    status_code: int | None = None
    error_message: str | None = None


def fact_of(event: StoredEvent) -> EventFact | None:
    """The countable slice (None for an item that is not a raw fact, e.g. a key-only projection)."""
    if not event.kind or not event.name or not event.ts:
        return None
    return EventFact(
        kind=event.kind,
        name=event.name,
        ts=event.moment,
        session_id=event.session_id,
        user_id=event.user_id,
        event_id=event.event_id,
        value=float(event.value or 0),
        campaign_id=event.campaign_id or event.utm_campaign,
        touch_campaign=event.touch_campaign,
        visit_start=bool(event.visit_start),
        page_path=event.page_path,
        response_time=event.response_time,
        status_code=event.status_code,
        error_message=event.error_message,
    )
