"""Ingest: the pipeline shared by the single-event routes and ``POST /batch``, and bot accounting.

validate every item → key and enrich (domain) → resolve message ids → read the
request's sessions and fold them in memory → write raw facts, each carrying its
visit's first touch → write sessions. Items fail alone; storage faults fail the request
(503) after retries, and because keys are deterministic and sessions remember
what they counted, the client's retry neither loses nor double counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.config import Settings, get_settings
from chalicelib.domain.clock import day_of, parse_iso
from chalicelib.domain.errors import FieldError
from chalicelib.domain.events import IngestPolicy, RequestFacts, TrackedEvent, build_event
from chalicelib.domain.sessions import SessionEvent, SessionState, Touch, touches
from chalicelib.observability import logger, metrics
from chalicelib.schemas.ingest import BODY_MODELS, parse_body
from chalicelib.store import catalog, counters
from chalicelib.store import events as event_store
from chalicelib.store import sessions as session_store

# Why an event is not stored although the request was well formed: each reason has a daily counter
# (store.rollup_keys) and an EMF metric (``EventsDropped`` plus ``EventsDropped<Reason>``).
DROP_COUNTERS = {"bot": "bots_dropped", "too_old": "too_old_dropped", "future": "future_dropped"}


def drop_reason(errors: list[FieldError]) -> str | None:
    """The drop reason of a rejected item whose only fault is its age (too old, or in the future)."""
    if len(errors) != 1 or not errors[0].field.endswith("timestamp"):
        return None
    message = errors[0].message
    return "too_old" if message.startswith("is older than") else "future" if message == "is in the future" else None


@dataclass
class ItemResult:
    index: int
    accepted: bool
    tracking_id: str | None = None
    timestamp: str | None = None
    duplicate: bool = False
    errors: list[FieldError] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": "accepted" if self.accepted else "rejected"}
        if self.accepted:
            out["trackingId"] = self.tracking_id
            out["timestamp"] = self.timestamp
            if self.duplicate:
                out["duplicate"] = True
        else:
            out["errors"] = [e.model_dump() for e in self.errors]
            reason = drop_reason(self.errors)
            if reason:
                out["reason"] = reason
        return out


@dataclass
class IngestOutcome:
    results: list[ItemResult]
    stored: list[TrackedEvent]
    write_calls: int = 0

    @property
    def accepted(self) -> int:
        return sum(1 for r in self.results if r.accepted)

    @property
    def rejected(self) -> int:
        return len(self.results) - self.accepted

    def drop_reasons(self) -> dict[str, int]:
        """Rejected items counted by drop reason (age); other rejections are plain validation errors."""
        out: dict[str, int] = {}
        for result in self.results:
            reason = None if result.accepted else drop_reason(result.errors)
            if reason:
                out[reason] = out.get(reason, 0) + 1
        return out


def policy_from(settings: Settings) -> IngestPolicy:
    return IngestPolicy(
        shard_count=settings.shard_count,
        retention_days=settings.retention_days,
        max_event_age=timedelta(days=settings.max_event_age_days),
        max_clock_skew=timedelta(seconds=settings.max_clock_skew_seconds),
    )


def session_event(event: TrackedEvent) -> SessionEvent:
    attrs = event.attributes
    return SessionEvent(
        message_id=event.message_id,
        ts=parse_iso(event.ts),
        kind=event.kind,
        name=event.name,
        page=attrs.get("page_path") or attrs.get("page_url"),
        user_id=attrs.get("user_id"),
        referrer=attrs.get("referrer"),
        referrer_domain=attrs.get("referrer_domain"),
        campaign_id=attrs.get("campaign_id"),
        utm={k.removeprefix("utm_"): v for k, v in attrs.items() if k.startswith("utm_")},
        browser=attrs.get("browser"),
        os=attrs.get("os"),
        device=attrs.get("device"),
    )


def validate_items(
    items: list[tuple[str | None, Any]],
    request: RequestFacts,
    policy: IngestPolicy,
    in_batch: bool,
    positions: list[int] | None = None,
) -> tuple[list[ItemResult], list[tuple[ItemResult, TrackedEvent, bool]]]:
    """Parse and key every item. Returns all results and the (result, event, needs_claim) to store.

    ``positions`` are the items' indexes in the client's batch when only some of it is ingested.
    """
    results: list[ItemResult] = []
    to_store: list[tuple[ItemResult, TrackedEvent, bool]] = []
    first_by_message: dict[str, ItemResult] = {}
    for number, (kind, payload) in enumerate(items):
        index = positions[number] if positions else number
        prefix = f"events[{index}]." if in_batch else ""
        if kind not in BODY_MODELS:
            allowed = ", ".join(BODY_MODELS)
            message = "is required" if kind is None else f"must be one of {allowed}"
            results.append(ItemResult(index, False, errors=[FieldError(field=f"{prefix}type", message=message)]))
            continue
        body, errors = parse_body(kind, payload, prefix)
        event = None
        if body is not None:
            event, errors = build_event(body.to_input(), request, policy)
            errors = [FieldError(field=f"{prefix}{e.field}", message=e.message) for e in errors]
        if event is None or body is None:
            results.append(ItemResult(index, False, errors=errors))
            continue
        earlier = first_by_message.get(event.message_id)
        if earlier is not None and body.message_id is not None:
            results.append(ItemResult(index, True, earlier.tracking_id, earlier.timestamp, duplicate=True))
            continue
        result = ItemResult(index, True, event.message_id, event.ts)
        first_by_message[event.message_id] = result
        results.append(result)
        to_store.append((result, event, body.message_id is not None and body.timestamp is None))
    return results, to_store


def ingest(
    items: list[tuple[str | None, Any]],
    request: RequestFacts,
    settings: Settings,
    in_batch: bool,
    positions: list[int] | None = None,
) -> IngestOutcome:
    policy = policy_from(settings)
    results, to_store = validate_items(items, request, policy, in_batch, positions)
    claimed = event_store.resolve_message_keys(
        [event for _, event, needs_claim in to_store if needs_claim], ttl_days=settings.max_event_age_days + 1
    )
    for result, event, needs_claim in to_store:
        if needs_claim:
            stored = claimed[event.message_id]
            event.pk, event.sk, event.ts = stored.pk, stored.sk, stored.ts
            result.timestamp = event.ts
    events = [event for _, event, _ in to_store]
    timeout = timedelta(seconds=settings.session_timeout_seconds)
    by_session: dict[str, list[SessionEvent]] = {}
    for event in events:
        if event.session_id and event.kind != "performance":
            by_session.setdefault(event.session_id, []).append(session_event(event))
    loaded = session_store.load_sessions(list(by_session)) if by_session else {}
    attach_touches(events, by_session, loaded, timeout)
    calls = event_store.save_events(events)
    names_by_day: dict[str, set[str]] = {}
    for event in events:
        names_by_day.setdefault(event.ts[:10], set()).add(f"{event.kind}/{event.name}")
    if names_by_day:
        calls += catalog.note_names(names_by_day, settings.retention_days)
    if by_session:
        session_store.upsert_sessions(by_session, timeout, settings.retention_days, loaded=loaded)
    return IngestOutcome(results=results, stored=events, write_calls=calls)


def attach_touches(
    events: list[TrackedEvent],
    by_session: dict[str, list[SessionEvent]],
    loaded: dict[str, SessionState],
    timeout: timedelta,
) -> None:
    """Give every raw item its visit's first touch before it is written: the session fold of
    this request over the stored state (``loaded``), in event time, equal times in request
    order. The stream consumer attributes from the item alone, so no consumer timing against
    the session write below changes a campaign's figures. A retried request folds nothing new
    and finds the same touch in the stored visit, so its overwrite is identical."""
    found: dict[str, Touch] = {}
    for session_id, session_events in by_session.items():
        found.update(touches(loaded.get(session_id), session_id, session_events, timeout))
    for event in events:
        touch = found.get(event.message_id)
        if touch is None:
            continue
        if touch.campaign:
            event.attributes["touch_campaign"] = touch.campaign
        if touch.entry_page:
            event.attributes["entry_page"] = touch.entry_page
        if touch.visit_start:
            event.attributes["visit_start"] = 1


def record_drops(facts: RequestFacts, reasons: dict[str, int]) -> None:
    """Count events we refuse to store, by reason: per day, and as EMF metrics."""
    reasons = {reason: n for reason, n in reasons.items() if n > 0}
    if not reasons:
        return
    expires = int(facts.now.timestamp()) + get_settings().retention_days * 86400
    for reason, events in reasons.items():
        counters.add_daily_counter(DROP_COUNTERS[reason], day_of(facts.now), events, expires)
        name = "".join(part.capitalize() for part in reason.split("_"))
        metrics.add_metric(name=f"EventsDropped{name}", unit=MetricUnit.Count, value=events)
    metrics.add_metric(name="EventsDropped", unit=MetricUnit.Count, value=sum(reasons.values()))
    logger.info("dropped events", extra={"reasons": reasons, "browser": facts.agent.browser})


def record_bot_drop(facts: RequestFacts, events: int) -> None:
    """Count crawler events we refuse to store (per day, and as EMF metrics)."""
    if events <= 0:
        return
    metrics.add_metric(name="BotEventsDropped", unit=MetricUnit.Count, value=events)
    record_drops(facts, {"bot": events})
