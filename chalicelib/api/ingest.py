"""Ingest routes: the seed's five tracking endpoints and ``POST /batch``.

Parse, rate limit, drop bots, call the pipeline, shape the response. Browsers
post anonymously; ``user_id`` comes only from a valid bearer token.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from chalice import Blueprint, Response

from chalicelib.api.context import request_facts
from chalicelib.api.declare import declare
from chalicelib.api.responses import ApiError, ValidationFailed, api_view, parse_json_body, success
from chalicelib.config import get_settings
from chalicelib.domain.events import RequestFacts
from chalicelib.observability import metrics
from chalicelib.schemas import MAX_BATCH_BODY_BYTES, MAX_BATCH_EVENTS, MAX_SINGLE_BODY_BYTES, FieldError
from chalicelib.schemas.ingest import BODY_MODELS
from chalicelib.services import admission
from chalicelib.services.ingest import ingest, record_bot_drop, record_drops

bp = Blueprint(__name__)

# sendBeacon posts strings as text/plain; both carry JSON.
INGEST_CONTENT_TYPES = ["application/json", "text/plain"]

# Server telemetry is sent by backends whose HTTP libraries look like crawlers: never bot-filtered.
# Browser kinds from a crawler's user agent are dropped and counted, single or batched alike.
SERVER_KINDS = frozenset({"performance"})

SINGLE_ROUTES = {
    "activity": "Activity tracked successfully",
    "event-interaction": "Event interaction tracked successfully",
    "conversion": "Conversion tracked successfully",
    "performance": "Performance metric tracked successfully",
    "heatmap": "Heatmap data tracked successfully",
}


REFUSED = "Too many tracking requests: at most {limit} per {window} s"


def _session_of(payload: Any) -> str | None:
    """The visitor's session id for the rate limit: a single body's, or a batch's first item's."""
    bodies = payload.get("events") if isinstance(payload, dict) and "events" in payload else [payload]
    for body in bodies if isinstance(bodies, list) else []:
        session = body.get("sessionId") if isinstance(body, dict) else None
        if isinstance(session, str) and session:
            return session
    return None


def _admitted_body(facts: RequestFacts, raw: bytes | None, limit: int) -> Any:
    """The decoded body after one rate-limit hit per request (a batch counts once); bad bodies count too."""
    try:
        payload = parse_json_body(raw, limit)
    except ApiError:
        admission.admit(facts, REFUSED)
        raise
    admission.admit(facts, REFUSED, _session_of(payload))
    return payload


def _drop_bot(facts: RequestFacts, events: int) -> Response:
    """Nothing stored: 202 with ``accepted: 0``, the reason, and a result per item saying it was dropped."""
    record_bot_drop(facts, events)
    data = {
        "accepted": 0,
        "dropped": events,
        "reason": "bot",
        "reasons": {"bot": events},
        "results": [{"index": i, "status": "dropped", "reason": "bot"} for i in range(events)],
    }
    return success(data, f"Bot traffic is not tracked: {events} event(s) dropped, none stored", status=202)


def _record_metrics(accepted: int, rejected: int) -> None:
    metrics.add_metric(name="EventsAccepted", unit=MetricUnit.Count, value=accepted)
    if rejected:
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=rejected)


def _track_single(kind: str) -> Response:
    request = bp.current_request
    settings = get_settings()
    facts = request_facts(request, settings)
    payload = _admitted_body(facts, request.raw_body, MAX_SINGLE_BODY_BYTES)
    if facts.agent.is_bot and kind not in SERVER_KINDS:
        return _drop_bot(facts, 1)
    outcome = ingest([(kind, payload)], facts, settings, in_batch=False)
    result = outcome.results[0]
    _record_metrics(outcome.accepted, outcome.rejected)
    record_drops(facts, outcome.drop_reasons())
    if not result.accepted:
        raise ValidationFailed(result.errors)
    return success({"trackingId": result.tracking_id, "timestamp": result.timestamp}, SINGLE_ROUTES[kind])


def _batch_items(payload: Any) -> list[tuple[str | None, Any]]:
    if not isinstance(payload, dict):
        raise ValidationFailed([FieldError(field="body", message="must be a JSON object with an events array")])
    unknown = [key for key in payload if key != "events"]
    if unknown:
        raise ValidationFailed([FieldError(field=key, message="unknown field") for key in unknown])
    events = payload.get("events")
    if not isinstance(events, list):
        raise ValidationFailed([FieldError(field="events", message="must be an array")])
    if not events:
        raise ValidationFailed([FieldError(field="events", message="must contain at least one event")])
    if len(events) > MAX_BATCH_EVENTS:
        raise ValidationFailed([FieldError(field="events", message=f"must contain at most {MAX_BATCH_EVENTS} events")])
    items: list[tuple[str | None, Any]] = []
    for item in events:
        if isinstance(item, dict):
            body = dict(item)
            kind = body.pop("type", None)
            items.append((kind if isinstance(kind, str) else None, body))
        else:
            items.append((None, item))
    return items


@bp.route("/batch", methods=["POST"], content_types=INGEST_CONTENT_TYPES)
@api_view
@declare(batch=True)
def track_batch() -> Response:
    request = bp.current_request
    settings = get_settings()
    facts = request_facts(request, settings)
    items = _batch_items(_admitted_body(facts, request.raw_body, MAX_BATCH_BODY_BYTES))
    kept = list(range(len(items)))
    if facts.agent.is_bot:
        kept = [i for i, (kind, _) in enumerate(items) if kind in SERVER_KINDS]
        if not kept:
            return _drop_bot(facts, len(items))
        record_bot_drop(facts, len(items) - len(kept))
    outcome = ingest([items[i] for i in kept], facts, settings, in_batch=True, positions=kept)
    _record_metrics(outcome.accepted, outcome.rejected)
    reasons = outcome.drop_reasons()
    record_drops(facts, reasons)
    if len(kept) < len(items):
        reasons["bot"] = len(items) - len(kept)
    results = [r.to_json() for r in outcome.results]
    kept_set = set(kept)
    results += [{"index": i, "status": "dropped", "reason": "bot"} for i in range(len(items)) if i not in kept_set]
    data: dict[str, Any] = {
        "accepted": outcome.accepted,
        "rejected": outcome.rejected,
        "results": sorted(results, key=lambda r: r["index"]),
    }
    if len(kept) < len(items):
        data["dropped"] = len(items) - len(kept)
    if reasons:
        data["reasons"] = reasons
    if outcome.accepted == 0:
        errors = [e for r in outcome.results for e in r.errors]
        fields = ", ".join(dict.fromkeys(e.field for e in errors))
        error = ValidationFailed(errors, f"No event in the batch was accepted: {fields}")
        error.details = data["results"]
        raise error
    message = "Batch tracked" if outcome.rejected == 0 else "Batch tracked with rejected items"
    return success(data, message)


@bp.route("/activity", methods=["POST"], content_types=INGEST_CONTENT_TYPES)
@api_view
@declare(body=BODY_MODELS["activity"])
def track_activity() -> Response:
    return _track_single("activity")


@bp.route("/event-interaction", methods=["POST"], content_types=INGEST_CONTENT_TYPES)
@api_view
@declare(body=BODY_MODELS["event-interaction"])
def track_event_interaction() -> Response:
    return _track_single("event-interaction")


@bp.route("/conversion", methods=["POST"], content_types=INGEST_CONTENT_TYPES)
@api_view
@declare(body=BODY_MODELS["conversion"])
def track_conversion() -> Response:
    return _track_single("conversion")


@bp.route("/performance", methods=["POST"], content_types=INGEST_CONTENT_TYPES)
@api_view
@declare(body=BODY_MODELS["performance"])
def track_performance() -> Response:
    return _track_single("performance")


@bp.route("/heatmap", methods=["POST"], content_types=INGEST_CONTENT_TYPES)
@api_view
@declare(body=BODY_MODELS["heatmap"])
def track_heatmap() -> Response:
    return _track_single("heatmap")
