"""Heatmaps: one page's click/hover grid, top elements and scroll depth over a time range.

Reads the page's own heatmap partitions (one name per page: host + path), so the
cost follows the points of that page in range, never other pages.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.heatmap import HeatPoint, build_heatmap
from chalicelib.domain.stored import StoredEvent
from chalicelib.store import rawevents


def _point(event: StoredEvent) -> HeatPoint:
    return HeatPoint(
        x=float(event.x or 0),
        y=float(event.y or 0),
        clicks=int(event.click_count or 0),
        hovers=int(event.hover_count or 0),
        session_id=event.session_id,
        viewport_width=event.viewport_width,
        viewport_height=event.viewport_height,
        document_height=event.document_height,
        element_selector=event.element_selector,
        scroll_depth=event.scroll_depth,
    )


def page_heatmap(page: str, start: datetime, end: datetime, grid: int, device: str | None, kind: str) -> dict:
    """The grid of ``page`` (``kind``: all, click or hover), optionally of one device class only."""
    events = rawevents.events_of_name("heatmap", page, start, end)
    points = [_point(e) for e in events if not device or e.device == device]
    data = build_heatmap(points, grid)
    if kind == "click":
        data["hoverGrid"] = []
    elif kind == "hover":
        data["clickGrid"] = []
    return data
