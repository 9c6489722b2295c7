"""The one CORS policy of the API: every route answers it, configured per stage (``CORS_ORIGIN``).

``app.py`` installs it as Chalice's default (``app.api.cors``) before registering any blueprint,
so no route names its own policy: read routes, write routes and the SDK answer the same origin,
and preflights (``OPTIONS``) are generated for every path.
"""

from __future__ import annotations

from chalice import CORSConfig

from chalicelib.config import Settings


def cors_policy(settings: Settings) -> CORSConfig:
    return CORSConfig(
        allow_origin=settings.cors_origin,
        allow_headers=["Authorization", "Content-Type", "X-Correlation-Id"],
        expose_headers=["Retry-After", "X-Correlation-Id"],
        max_age=settings.cors_max_age_seconds,
    )
