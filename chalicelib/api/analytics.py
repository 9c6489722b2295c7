"""Analytics read routes: real-time, user journey, funnel analysis.

Parse, authorise (admin/analyst JWT through the built-in authorizer), call
``chalicelib.analytics``, shape the seed's envelope.
"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import analytics
from chalicelib.api import params
from chalicelib.api.auth import jwt_auth, require_role
from chalicelib.api.responses import api_view, success
from chalicelib.domain.clock import utc_now
from chalicelib.domain.rollups import TIME_RANGES

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
