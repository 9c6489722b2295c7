"""Heatmaps from stored points: a click/hover grid on normalised coordinates,
the most used element selectors, and how far visitors scrolled.

Coordinates are normalised so screens of different sizes land on the same grid:
x by the viewport width, y by the document height (else the viewport height).
Points sent without those sizes are normalised by the largest coordinate seen
on the page in the range, the best available stand-in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

DEFAULT_GRID = 20
MAX_GRID = 100
TOP_ELEMENTS = 20
SCROLL_BINS = tuple(range(0, 100, 10))


@dataclass(frozen=True)
class HeatPoint:
    x: float
    y: float
    clicks: int
    hovers: int
    session_id: str | None = None
    viewport_width: float | None = None
    viewport_height: float | None = None
    document_height: float | None = None
    element_selector: str | None = None
    scroll_depth: float | None = None


def _cell(value: float, size: float, grid: int) -> int:
    if size <= 0:
        return 0
    return min(grid - 1, max(0, int(value / size * grid)))


def scroll_bin(depth: float) -> str:
    """10-point bins: ``"0-9"`` … ``"90-100"``."""
    low = min(90, int(depth // 10) * 10)
    return f"{low}-{low + 9}" if low < 90 else "90-100"


def build_heatmap(points: list[HeatPoint], grid: int = DEFAULT_GRID) -> dict:
    max_x = max((p.x for p in points), default=0) or 1
    max_y = max((p.y for p in points), default=0) or 1
    clicks: Counter[tuple[int, int]] = Counter()
    hovers: Counter[tuple[int, int]] = Counter()
    elements: dict[str, list[int]] = {}
    deepest: dict[str, float] = {}
    for point in points:
        width = point.viewport_width or max_x
        height = point.document_height or point.viewport_height or max_y
        cell = (_cell(point.x, width, grid), _cell(point.y, height, grid))
        if point.clicks:
            clicks[cell] += point.clicks
        if point.hovers:
            hovers[cell] += point.hovers
        if point.element_selector:
            entry = elements.setdefault(point.element_selector, [0, 0])
            entry[0] += point.clicks
            entry[1] += point.hovers
        if point.scroll_depth is not None:
            key = point.session_id or f"point-{id(point)}"
            deepest[key] = max(deepest.get(key, 0.0), point.scroll_depth)
    scroll = Counter(scroll_bin(depth) for depth in deepest.values())
    reached = len(deepest)

    def cells(counter: Counter[tuple[int, int]]) -> list[dict]:
        return [{"x": x, "y": y, "count": n} for (x, y), n in sorted(counter.items())]

    top = sorted(elements.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0]))[:TOP_ELEMENTS]
    return {
        "gridSize": grid,
        "clickGrid": cells(clicks),
        "hoverGrid": cells(hovers),
        "topElements": [{"elementSelector": s, "clicks": c, "hovers": h} for s, (c, h) in top],
        "scrollDepth": [
            {
                "range": scroll_bin(low),
                "sessions": scroll.get(scroll_bin(low), 0),
                # share of visitors who scrolled at least this far
                "reachedPercent": round(100.0 * sum(1 for d in deepest.values() if d >= low) / reached, 2)
                if reached
                else 0.0,
            }
            for low in SCROLL_BINS
        ],
        "totalClicks": sum(clicks.values()),
        "totalHovers": sum(hovers.values()),
        "totalPoints": len(points),
        "sessions": len({p.session_id for p in points if p.session_id}),
    }
