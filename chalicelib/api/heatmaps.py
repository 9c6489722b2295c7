"""GET /heatmap/{pageUrl}: the page's click/hover grid, top elements and scroll depth."""

from __future__ import annotations

from urllib.parse import unquote

from chalice import Blueprint, Response

from chalicelib.api import params
from chalicelib.api.auth import READERS, allows, jwt_auth
from chalicelib.api.declare import declare
from chalicelib.api.responses import ValidationFailed, api_view, success
from chalicelib.domain.clock import utc_now
from chalicelib.domain.events import heatmap_page_key
from chalicelib.schemas import FieldError
from chalicelib.schemas.query import HEATMAP
from chalicelib.services import heatmaps

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


@bp.route("/heatmap/{page_url}", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS)
@declare(query=HEATMAP)
def heatmap(page_url: str) -> Response:
    request = bp.current_request
    READERS.check(request)
    page = _page_key(page_url)
    query = params.parse(request, HEATMAP)
    start, end = params.date_window(query, utc_now())
    grid = heatmaps.page_heatmap(page, start, end, query["gridSize"], query["device"], query["type"])
    data = {"pageUrl": unquote(page_url), "page": page, "startDate": start.isoformat(), "endDate": end.isoformat()}
    return success({**data, **grid}, "Heatmap data retrieved successfully")
