"""Browser-facing files: the SDK, the dashboard, the demo page and their assets.

Served from ``chalicelib/static`` by an explicit allow-list (no path from the
request ever reaches the file system). The dashboard is native ES modules under
``static/dashboard/`` (``main.js`` imports the rest by relative path, so they work
behind the stage prefix too); the allow-list takes every ``*.js`` in its two
folders as found at import time. HTML pages get the deployment's path
prefix (API Gateway's stage, empty locally) substituted for ``%ROOT%`` so the
same files work behind ``/api/`` and at the root.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from chalice import Blueprint, Response

bp = Blueprint(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
JS = "application/javascript; charset=utf-8"
# Folders of the dashboard's ES modules under STATIC_DIR, one route each (a path parameter cannot hold a slash).
MODULE_DIRS = ("dashboard", "dashboard/panels")
MODULES = {
    path.relative_to(STATIC_DIR).as_posix(): JS
    for folder in MODULE_DIRS
    for path in sorted((STATIC_DIR / folder).glob("*.js"))
}
ASSETS = {
    **MODULES,
    "dashboard.css": "text/css; charset=utf-8",
    "demo.css": "text/css; charset=utf-8",
    "root.js": JS,
    "demo.js": JS,
    "chart.umd.min.js": JS,
    "chart.LICENSE.md": "text/plain; charset=utf-8",
    "bilten.js": JS,
}
SDK_FILE = "bilten.min.js"
# The SDK changes rarely and is versioned by ETag: browsers reuse it for an hour, then revalidate.
SDK_CACHE = "public, max-age=3600, stale-while-revalidate=86400"
ASSET_CACHE = "public, max-age=300"
# Modules import each other by name, so a browser must never mix two deployments' copies: it revalidates
# each one (by ETag, a 304 when unchanged) instead of reusing it for five minutes.
MODULE_CACHE = "no-cache"
# Pages load only same-origin files: no inline script or style (the stage prefix comes from a <meta>,
# read by static/root.js), no plugins, no framing, no foreign form targets. The icon is a data: URL.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


@lru_cache(maxsize=64)
def _file(name: str) -> tuple[str, str]:
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    return text, '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def _root() -> str:
    """The path prefix in front of this app's routes (``/api`` behind API Gateway's stage)."""
    request = bp.current_request
    full = str((request.context or {}).get("path") or "")
    own = request.path or ""
    return full[: -len(own)] if own and full.endswith(own) and full != own else ""


def _serve(name: str, content_type: str, cache: str) -> Response:
    text, etag = _file(name)
    headers = {"Content-Type": content_type, "Cache-Control": cache, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if (bp.current_request.headers or {}).get("if-none-match") == etag:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=text, status_code=200, headers=headers)


def _page(name: str) -> Response:
    text, _ = _file(name)
    return Response(
        body=text.replace("%ROOT%", _root()),
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", **PAGE_HEADERS},
    )


@bp.route("/sdk/bilten.js", methods=["GET"])
def sdk() -> Response:
    """The minified SDK (built by ``sdk/``; ``/static/bilten.js`` is the readable source)."""
    response = _serve(SDK_FILE, JS, SDK_CACHE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _asset(folder: str, name: str) -> Response:
    """One allow-listed file in ``folder`` of STATIC_DIR; any other name (one holding a slash too) is a 404."""
    key = f"{folder}/{name}" if folder else name
    content_type = None if "/" in name else ASSETS.get(key)
    if content_type is None:
        return Response(body="Not found", status_code=404, headers={"Content-Type": "text/plain"})
    return _serve(key, content_type, MODULE_CACHE if key in MODULES else ASSET_CACHE)


@bp.route("/static/{name}", methods=["GET"])
def asset(name: str) -> Response:
    return _asset("", name)


@bp.route("/static/dashboard/{module}", methods=["GET"])
def dashboard_module(module: str) -> Response:
    """The dashboard's ES modules: ``main.js`` (the entry), its API client, formatting and shared parts."""
    return _asset("dashboard", module)


@bp.route("/static/dashboard/panels/{module}", methods=["GET"])
def dashboard_panel_module(module: str) -> Response:
    """One ES module per dashboard panel."""
    return _asset("dashboard/panels", module)


@bp.route("/dashboard", methods=["GET"])
def dashboard() -> Response:
    return _page("dashboard.html")


@bp.route("/demo", methods=["GET"])
def demo() -> Response:
    return _page("demo.html")


@bp.route("/demo/{view}", methods=["GET"])
def demo_view(view: str) -> Response:
    """Deep links into the demo's single-page views (a reload lands on the same view)."""
    return _page("demo.html")


@bp.route("/demo/{view}/{item}", methods=["GET"])
def demo_item(view: str, item: str) -> Response:
    return _page("demo.html")


@bp.route("/favicon.ico", methods=["GET"])
def favicon() -> Response:
    """Browsers ask every origin for it (a text or JSON page has no ``<link rel=icon>``)."""
    return _serve("favicon.svg", "image/svg+xml", "public, max-age=86400")
