"""Query parameters of every read route, declared: name, type, bounds, default.

A route names its declaration (``api.declare(query=...)``); ``api.params.parse``
reads the request against it (every bad value a 400 naming its field, unknown
names refused) and the OpenAPI document describes it from the same object, so
what is documented is what is parsed. The time-range vocabulary (``1h`` … ``30d``)
is part of the API: services are handed a span and a granularity, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from chalicelib.domain.heatmap import MAX_GRID

# Name → (span back from now or endDate, roll-up granularity the real-time read uses).
TIME_RANGES: dict[str, tuple[timedelta, str]] = {
    "1h": (timedelta(hours=1), "minute"),
    "6h": (timedelta(hours=6), "hour"),
    "24h": (timedelta(hours=24), "hour"),
    "7d": (timedelta(days=7), "day"),
    "30d": (timedelta(days=30), "day"),
}
MAX_RANGE = timedelta(days=400)
MAX_LIST = 50
NAME_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9_.:@\-]{1,128}$"

ParamKind = Literal["choice", "names", "identifier", "timestamp", "boolean", "integer", "text"]


@dataclass(frozen=True)
class Param:
    """One query parameter. ``names`` is a comma list or repeated parameter of event names."""

    name: str
    kind: ParamKind
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    description: str = ""

    def schema(self) -> dict[str, Any]:
        """Its OpenAPI schema."""
        if self.kind == "choice":
            schema: dict[str, Any] = {"type": "string", "enum": list(self.choices)}
        elif self.kind == "names":
            schema = {"type": "string", "pattern": r"^[A-Za-z0-9_.:\-,]{1,3300}$"}
        elif self.kind == "identifier":
            schema = {"type": "string", "pattern": IDENTIFIER_PATTERN}
        elif self.kind == "timestamp":
            schema = {"type": "string", "format": "date-time"}
        elif self.kind == "boolean":
            schema = {"type": "boolean"}
        elif self.kind == "integer":
            schema = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        else:
            schema = {"type": "string", "maxLength": 256}
        if self.default is not None:
            schema["default"] = self.default
        return schema


@dataclass(frozen=True)
class Query:
    """The complete set of query parameters one route accepts."""

    params: tuple[Param, ...] = ()

    @property
    def names(self) -> set[str]:
        return {p.name for p in self.params}


def time_range(default: str) -> Param:
    return Param("timeRange", "choice", default, tuple(TIME_RANGES), description="span back from endDate (or now)")


START = Param("startDate", "timestamp", description="ISO 8601 or YYYY-MM-DD; default endDate minus timeRange")
END = Param("endDate", "timestamp", description="ISO 8601 or YYYY-MM-DD; default now")

REAL_TIME = Query(
    (
        time_range("1h"),
        Param("eventTypes", "names", description="comma list of activity/conversion types to keep"),
        Param("userId", "identifier", description="one signed-in user's events instead of the roll-ups"),
        Param("eventId", "identifier", description="one Bilten event's interactions and conversions"),
    )
)
USER_JOURNEY = Query(
    (
        START,
        END,
        Param("includeEvents", "boolean", True),
        Param("includeInteractions", "boolean", True),
    )
)
HEATMAP = Query(
    (
        START,
        END,
        time_range("7d"),
        Param("gridSize", "integer", 20, minimum=1, maximum=MAX_GRID),
        Param("device", "text", description="desktop, mobile or tablet"),
        Param("type", "choice", "all", ("all", "click", "hover")),
    )
)
CAMPAIGN_LIST = Query((Param("isActive", "boolean"),))
CAMPAIGN_PERFORMANCE = Query((START, END, time_range("30d")))
EXPERIMENT_RESULTS = Query((Param("refresh", "boolean", False, description="recompute the results now"),))
NAMES = Query(
    (
        START,
        END,
        time_range("7d"),
        Param("kind", "choice", choices=("activity", "interaction", "conversion", "performance", "heatmap")),
    )
)
ANOMALIES = Query(
    (
        START,
        END,
        time_range("24h"),
        Param("series", "text", description="keep the episodes whose series name contains this"),
    )
)
NONE = Query()
