"""Liveness for the local stack and load balancers: no storage call."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.responses import success
from chalicelib.config import get_settings

bp = Blueprint(__name__)


@bp.route("/health", methods=["GET"])
def health() -> Response:
    return success({"status": "ok", "stage": get_settings().stage}, "healthy")
