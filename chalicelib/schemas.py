"""Request models with bounds for every field, and the error details they produce.

Bodies are camelCase as in the seed. Unknown fields are rejected (a typo in a
field name should fail loudly, not vanish). Free-form JSON (``eventData``,
``interactionData``, ``conversionData``) is bounded in size, depth and key
length so no item can approach DynamoDB's 400 KB limit.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

MAX_JSON_BYTES = 32 * 1024
MAX_JSON_DEPTH = 6
MAX_JSON_KEY_LENGTH = 128
MAX_SINGLE_BODY_BYTES = 64 * 1024
MAX_BATCH_BODY_BYTES = 512 * 1024
MAX_BATCH_EVENTS = 500

Name = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@\-]+$")]
ShortText = Annotated[str, StringConstraints(max_length=256)]


def json_depth(value: Any, depth: int = 0) -> int:
    if isinstance(value, dict):
        return max([json_depth(v, depth + 1) for v in value.values()], default=depth + 1)
    if isinstance(value, list):
        return max([json_depth(v, depth + 1) for v in value], default=depth + 1)
    return depth


def _check_json_keys(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if len(key) > MAX_JSON_KEY_LENGTH:
                raise ValueError(f"keys must be at most {MAX_JSON_KEY_LENGTH} characters")
            _check_json_keys(item)
    elif isinstance(value, list):
        for item in value:
            _check_json_keys(item)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")


def bounded_json(value: dict[str, Any]) -> dict[str, Any]:
    """Free-form data: at most 32 KB serialised, 6 levels deep, finite numbers."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"must be nested at most {MAX_JSON_DEPTH} levels deep")
    _check_json_keys(value)
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_JSON_BYTES:
        raise ValueError(f"must be at most {MAX_JSON_BYTES} bytes serialised (got {size})")
    return value


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 with an explicit offset (``Z`` or ``+hh:mm``), normalised to UTC."""
    text = value.strip()
    if len(text) > 40:
        raise ValueError("must be an ISO 8601 timestamp")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise ValueError("must be an ISO 8601 timestamp such as 2024-01-15T10:30:00Z") from exc
    if parsed.tzinfo is None:
        raise ValueError("must carry a time zone (e.g. a trailing Z)")
    return parsed.astimezone(UTC)


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/?#]+[^\s]*$", value):
        raise ValueError("must be an absolute http(s) URL")
    return value


AbsoluteUrl = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_check_url)]
JsonData = Annotated[dict[str, Any], AfterValidator(bounded_json)]


class _Body(BaseModel):
    # defer_build: a model's validator is built on first use, not at import, so a cold start
    # only pays for the models its first request needs (every route shares one Lambda package).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    message_id: str | None = Field(default=None, alias="messageId")
    timestamp: str | None = None
    session_id: Identifier | None = Field(default=None, alias="sessionId")

    @field_validator("message_id")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(uuid.UUID(value))
        except ValueError as exc:
            raise ValueError("must be a UUID") from exc

    @field_validator("timestamp")
    @classmethod
    def _timestamp(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parse_timestamp(value)
        return value


class ActivityBody(_Body):
    event_type: Name = Field(alias="eventType")
    session_id: Identifier = Field(alias="sessionId")
    page_url: AbsoluteUrl | None = Field(default=None, alias="pageUrl")
    referrer: Annotated[str, StringConstraints(max_length=2048)] | None = None
    event_data: JsonData | None = Field(default=None, alias="eventData")


class EventInteractionBody(_Body):
    event_id: Identifier = Field(alias="eventId")
    interaction_type: Name = Field(alias="interactionType")
    session_id: Identifier = Field(alias="sessionId")
    page_url: AbsoluteUrl | None = Field(default=None, alias="pageUrl")
    interaction_data: JsonData | None = Field(default=None, alias="interactionData")


class ConversionBody(_Body):
    conversion_type: Name = Field(alias="conversionType")
    conversion_value: float = Field(default=0, ge=0, le=1_000_000_000, alias="conversionValue", allow_inf_nan=False)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    campaign_id: Identifier | None = Field(default=None, alias="campaignId")
    event_id: Identifier | None = Field(default=None, alias="eventId")
    page_url: AbsoluteUrl | None = Field(default=None, alias="pageUrl")
    conversion_data: JsonData | None = Field(default=None, alias="conversionData")

    @field_validator("conversion_value")
    @classmethod
    def _money_precision(cls, value: float) -> float:
        """Micro-units are plenty for money, and DynamoDB rejects magnitudes below 1e-130 (a 500 otherwise)."""
        return round(value, 6)


class PerformanceBody(_Body):
    endpoint: Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=r"^\S+$")]
    method: Annotated[str, StringConstraints(pattern=r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$")] | None = None
    response_time: int = Field(alias="responseTime", ge=0, le=600_000)
    status_code: int = Field(alias="statusCode", ge=100, le=599)
    error_message: Annotated[str, StringConstraints(max_length=1024)] | None = Field(default=None, alias="errorMessage")


class HeatmapBody(_Body):
    page_url: AbsoluteUrl = Field(alias="pageUrl")
    session_id: Identifier = Field(alias="sessionId")
    x_position: int = Field(alias="xPosition", ge=0, le=100_000)
    y_position: int = Field(alias="yPosition", ge=0, le=1_000_000)
    viewport_width: int | None = Field(default=None, alias="viewportWidth", ge=1, le=100_000)
    viewport_height: int | None = Field(default=None, alias="viewportHeight", ge=1, le=100_000)
    document_height: int | None = Field(default=None, alias="documentHeight", ge=1, le=1_000_000)
    element_selector: Annotated[str, StringConstraints(max_length=512)] | None = Field(
        default=None, alias="elementSelector"
    )
    click_count: int = Field(default=0, alias="clickCount", ge=0, le=10_000)
    hover_count: int = Field(default=0, alias="hoverCount", ge=0, le=10_000)
    scroll_depth: int | None = Field(default=None, alias="scrollDepth", ge=0, le=100)


EventKind = Literal["activity", "event-interaction", "conversion", "performance", "heatmap"]

BODY_MODELS: dict[str, type[_Body]] = {
    "activity": ActivityBody,
    "event-interaction": EventInteractionBody,
    "conversion": ConversionBody,
    "performance": PerformanceBody,
    "heatmap": HeatmapBody,
}


class FieldError(BaseModel):
    field: str
    message: str


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Pydantic errors as ``{"field": "eventData.x", "message": ...}``, using the wire (camelCase) names."""
    out: list[FieldError] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "is required"
        out.append(FieldError(field=f"{prefix}{loc}", message=message))
    return out


def parse_body(kind: str, payload: Any, prefix: str = "") -> tuple[_Body | None, list[FieldError]]:
    model = BODY_MODELS[kind]
    if not isinstance(payload, dict):
        return None, [FieldError(field=prefix.rstrip(".") or "body", message="must be a JSON object")]
    try:
        return model.model_validate(payload), []
    except ValidationError as exc:
        return None, field_errors(exc, prefix)
