"""GET /openapi.json: the API's OpenAPI document, public and cacheable (generated from the route table)."""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from chalicelib.api.openapi_spec import cached_document

bp = Blueprint(__name__)


@bp.route("/openapi.json", methods=["GET"])
def openapi_json() -> Response:
    document = cached_document(bp.current_app)
    return Response(
        body=json.dumps(document),
        status_code=200,
        headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"},
    )
