"""Analytics read routes: real-time, user journey, funnel analysis.

Parse (declared in ``chalicelib.schemas``), authorise (admin/analyst JWT through
the built-in authorizer), call one service, shape the seed's envelope.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

from chalice import Blueprint, Response

from chalicelib.api import params
from chalicelib.api.auth import READERS, READERS_OR_SELF, allows, jwt_auth
from chalicelib.api.declare import declare
from chalicelib.api.responses import api_view, success
from chalicelib.domain.clock import utc_now
from chalicelib.domain.funnel import FunnelStep, overall_rate
from chalicelib.schemas.analytics import FunnelBody
from chalicelib.schemas.query import ANOMALIES, NAMES, REAL_TIME, TIME_RANGES, USER_JOURNEY
from chalicelib.services import anomalies, catalog, journeys, realtime

bp = Blueprint(__name__)
JOURNEY_SPAN = timedelta(days=30)


@bp.route("/real-time", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS)
@declare(query=REAL_TIME)
def real_time() -> Response:
    request = bp.current_request
    READERS.check(request)
    query = params.parse(request, REAL_TIME)
    span, granularity = TIME_RANGES[query["timeRange"]]
    data = realtime.real_time(
        query["timeRange"],
        span,
        granularity,
        utc_now(),
        event_types=query["eventTypes"],
        user_id=query["userId"],
        event_id=query["eventId"],
    )
    return success(data, "Real-time analytics retrieved successfully")


@bp.route("/names", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS)
@declare(query=NAMES)
def names() -> Response:
    """Names seen per kind over a range, and the pages that have heatmap data (choices for the dashboard)."""
    request = bp.current_request
    READERS.check(request)
    query = params.parse(request, NAMES)
    start, end = params.date_window(query, utc_now())
    seen = catalog.names_seen(start, end, query["kind"])
    data = {
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "names": seen,
        "heatmapPages": seen.get("heatmap", []),
    }
    return success(data, "Names retrieved successfully")


@bp.route("/anomalies", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS)
@declare(query=ANOMALIES)
def anomaly_episodes() -> Response:
    """Anomaly episodes the scheduled detector stored, by start time (docs/anomalies.md)."""
    request = bp.current_request
    READERS.check(request)
    query = params.parse(request, ANOMALIES)
    start, end = params.date_window(query, utc_now())
    episodes = anomalies.list_episodes(start, end, query["series"])
    data = {"startDate": start.isoformat(), "endDate": end.isoformat(), "count": len(episodes), "anomalies": episodes}
    return success(data, "Anomalies retrieved successfully")


@bp.route("/user-journey/{user_id}", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS_OR_SELF)
@declare(query=USER_JOURNEY)
def user_journey(user_id: str) -> Response:
    request = bp.current_request
    user_id = params.identifier(unquote(user_id), "userId")
    READERS_OR_SELF.check(request, user_id)
    query = params.parse(request, USER_JOURNEY)
    start, end = params.date_window(query, utc_now(), JOURNEY_SPAN)
    data = journeys.user_journey(
        user_id,
        start,
        end,
        include_events=query["includeEvents"],
        include_interactions=query["includeInteractions"],
    )
    return success(data, "User journey retrieved successfully")


@bp.route("/funnel-analysis", methods=["POST"], authorizer=jwt_auth, content_types=["application/json"])
@api_view
@allows(READERS)
@declare(body=FunnelBody)
def funnel_analysis() -> Response:
    request = bp.current_request
    READERS.check(request)
    body = params.body(request, FunnelBody)
    now = utc_now()
    if body.date_range is not None:
        start, end = body.date_range.bounds()
    else:
        start, end = now - TIME_RANGES[body.time_range][0], now
    steps = [FunnelStep(s.name, s.event_type, s.kind) for s in body.funnel_steps]
    rows = journeys.funnel(
        steps, start, end, timedelta(days=body.conversion_window_days), body.mode, body.filters.as_wire()
    )
    data = {
        "funnelSteps": rows,
        "timeRange": body.time_range if body.date_range is None else "custom",
        "totalSteps": len(steps),
        "overallConversionRate": overall_rate(rows),
        "mode": body.mode,
        "conversionWindowDays": body.conversion_window_days,
    }
    return success(data, "Funnel analysis completed successfully")
