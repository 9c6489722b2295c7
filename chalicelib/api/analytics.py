"""Analytics read routes: real-time, user journey, funnel analysis.

Parse, authorise (admin/analyst JWT through the built-in authorizer), call
``chalicelib.analytics``, shape the seed's envelope.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

from chalice import Blueprint, Response
from pydantic import ValidationError

from chalicelib import analytics
from chalicelib.api import params
from chalicelib.api.analytics_models import FunnelBody
from chalicelib.api.auth import jwt_auth, require_role
from chalicelib.api.responses import ValidationFailed, api_view, parse_json_body, success
from chalicelib.domain.clock import utc_now
from chalicelib.domain.funnel import FunnelStep, overall_rate
from chalicelib.domain.rollups import TIME_RANGES
from chalicelib.schemas import MAX_SINGLE_BODY_BYTES, FieldError, field_errors

bp = Blueprint(__name__)


@bp.route("/real-time", methods=["GET"], authorizer=jwt_auth)
@api_view
def real_time() -> Response:
    request = bp.current_request
    require_role(request)
    query = params.query(request)
    params.reject_unknown(query, {"timeRange", "eventTypes", "userId", "eventId"})
    time_range = params.choice(query, "timeRange", list(TIME_RANGES), "1h")
    data = analytics.real_time(
        time_range,
        utc_now(),
        event_types=params.name_list(query, "eventTypes"),
        user_id=params.optional_identifier(query, "userId"),
        event_id=params.optional_identifier(query, "eventId"),
    )
    return success(data, "Real-time analytics retrieved successfully")


@bp.route("/user-journey/{user_id}", methods=["GET"], authorizer=jwt_auth)
@api_view
def user_journey(user_id: str) -> Response:
    request = bp.current_request
    require_role(request)
    user_id = params.identifier(unquote(user_id), "userId")
    query = params.query(request)
    params.reject_unknown(query, {"startDate", "endDate", "includeEvents", "includeInteractions"})
    now = utc_now()
    end = params.timestamp(query, "endDate") or now
    start = params.timestamp(query, "startDate") or end - timedelta(days=30)
    if start > end:
        raise ValidationFailed([FieldError(field="startDate", message="must not be after endDate")])
    data = analytics.user_journey(
        user_id,
        start,
        end,
        include_events=params.boolean(query, "includeEvents", True),
        include_interactions=params.boolean(query, "includeInteractions", True),
    )
    return success(data, "User journey retrieved successfully")


@bp.route("/funnel-analysis", methods=["POST"], authorizer=jwt_auth, content_types=["application/json"])
@api_view
def funnel_analysis() -> Response:
    request = bp.current_request
    require_role(request)
    payload = parse_json_body(request.raw_body, MAX_SINGLE_BODY_BYTES)
    if not isinstance(payload, dict):
        raise ValidationFailed([FieldError(field="body", message="must be a JSON object")])
    try:
        body = FunnelBody.model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None
    now = utc_now()
    if body.date_range is not None:
        start, end = body.date_range.bounds()
    else:
        start, end = now - TIME_RANGES[body.time_range][0], now
    steps = [FunnelStep(s.name, s.event_type, s.kind) for s in body.funnel_steps]
    rows = analytics.funnel(
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
