"""GET /heatmap/{pageUrl}: the page's click/hover grid, top elements and scroll depth."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

from chalice import Blueprint, Response

from chalicelib.api import params
from chalicelib.api.auth import jwt_auth, require_role
from chalicelib.api.responses import ValidationFailed, api_view, success
from chalicelib.domain.clock import utc_now
from chalicelib.domain.events import heatmap_page_key
from chalicelib.domain.heatmap import DEFAULT_GRID, MAX_GRID, HeatPoint, build_heatmap
from chalicelib.domain.rollups import TIME_RANGES
from chalicelib.schemas import FieldError
from chalicelib.store import queries

bp = Blueprint(__name__)


def _page_key(raw: str) -> str:
    url = unquote(raw).strip()
    if not url or len(url) > 2048:
        raise ValidationFailed([FieldError(field="pageUrl", message="must be a URL-encoded page URL")])
    if "://" not in url:
        url = "https://" + url.lstrip("/")
    key = heatmap_page_key(url)
    if key.startswith("/"):
        raise ValidationFailed(
            [FieldError(field="pageUrl", message="must name a host, e.g. https://bilten.com/events")]
        )
    return key


def _grid(query: dict[str, list[str]]) -> int:
    value = params.one(query, "gridSize")
    if value is None:
        return DEFAULT_GRID
    if not value.isdigit() or not 1 <= int(value) <= MAX_GRID:
        raise ValidationFailed([FieldError(field="gridSize", message=f"must be an integer from 1 to {MAX_GRID}")])
    return int(value)


def _point(event: dict) -> HeatPoint:
    return HeatPoint(
        x=float(event.get("x") or 0),
        y=float(event.get("y") or 0),
        clicks=int(event.get("click_count") or 0),
        hovers=int(event.get("hover_count") or 0),
        session_id=event.get("session_id"),
        viewport_width=event.get("viewport_width"),
        viewport_height=event.get("viewport_height"),
        document_height=event.get("document_height"),
        element_selector=event.get("element_selector"),
        scroll_depth=event.get("scroll_depth"),
    )


@bp.route("/heatmap/{page_url}", methods=["GET"], authorizer=jwt_auth)
@api_view
def heatmap(page_url: str) -> Response:
    request = bp.current_request
    require_role(request)
    page = _page_key(page_url)
    query = params.query(request)
    params.reject_unknown(query, {"startDate", "endDate", "timeRange", "gridSize", "device", "type"})
    now = utc_now()
    time_range = params.choice(query, "timeRange", list(TIME_RANGES), "7d")
    end = params.timestamp(query, "endDate") or now
    start = params.timestamp(query, "startDate") or end - TIME_RANGES[time_range][0]
    if start > end:
        raise ValidationFailed([FieldError(field="startDate", message="must not be after endDate")])
    if end - start > timedelta(days=400):
        raise ValidationFailed([FieldError(field="startDate", message="range may span at most 400 days")])
    device = params.one(query, "device")
    kind = params.choice(query, "type", ["all", "click", "hover"], "all")
    events = [queries.decode_event(item) for item in queries.events_of_name("heatmap", page, start, end)]
    if device:
        events = [e for e in events if e.get("device") == device]
    data = build_heatmap([_point(e) for e in events], _grid(query))
    if kind == "click":
        data["hoverGrid"] = []
    elif kind == "hover":
        data["clickGrid"] = []
    data = {
        "pageUrl": unquote(page_url),
        "page": page,
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        **data,
    }
    return success(data, "Heatmap data retrieved successfully")
