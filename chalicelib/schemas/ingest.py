"""The five tracking bodies of the seed (and ``POST /batch`` items), each bounded field by field.

``to_input`` turns a validated body into the domain's ``EventInput``: the domain
builds stored events from plain data and never sees a request model.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from chalicelib.domain.errors import FieldError
from chalicelib.domain.events import EventInput, heatmap_page_key
from chalicelib.schemas.common import (
    AbsoluteUrl,
    Identifier,
    JsonData,
    Name,
    ReferrerUrl,
    Strict,
    parse_timestamp,
    validate,
)


def _data_event_id(data: dict[str, Any] | None) -> str | None:
    """An activity or conversion may name its Bilten event inside its free-form data."""
    event_id = data.get("eventId") if data and isinstance(data.get("eventId"), str) else None
    return event_id[:128] if event_id else None


class _Body(Strict):
    """Fields every tracked event may carry; ``to_input`` hands the domain plain data."""

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

    def _input(self, kind: str, name: str, **attributes: Any) -> EventInput:
        return EventInput(
            kind=kind,
            name=name,
            message_id=self.message_id,
            timestamp=parse_timestamp(self.timestamp) if self.timestamp else None,
            session_id=self.session_id,
            attributes=attributes,
        )

    def to_input(self) -> EventInput:
        raise NotImplementedError


class ActivityBody(_Body):
    event_type: Name = Field(alias="eventType")
    session_id: Identifier = Field(alias="sessionId")
    page_url: AbsoluteUrl | None = Field(default=None, alias="pageUrl")
    referrer: ReferrerUrl | None = None
    event_data: JsonData | None = Field(default=None, alias="eventData")

    def to_input(self) -> EventInput:
        data = self.event_data
        return self._input(
            "activity",
            self.event_type,
            page_url=self.page_url,
            data=data,
            event_id=_data_event_id(data),
            referrer=self.referrer,
        )


class EventInteractionBody(_Body):
    event_id: Identifier = Field(alias="eventId")
    interaction_type: Name = Field(alias="interactionType")
    session_id: Identifier = Field(alias="sessionId")
    page_url: AbsoluteUrl | None = Field(default=None, alias="pageUrl")
    interaction_data: JsonData | None = Field(default=None, alias="interactionData")

    def to_input(self) -> EventInput:
        return self._input(
            "interaction",
            self.interaction_type,
            page_url=self.page_url,
            data=self.interaction_data,
            event_id=self.event_id,
        )


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

    def to_input(self) -> EventInput:
        data = self.conversion_data
        return self._input(
            "conversion",
            self.conversion_type,
            page_url=self.page_url,
            data=data,
            value=self.conversion_value,
            currency=self.currency,
            campaign_id=self.campaign_id,
            event_id=self.event_id[:128] if self.event_id else _data_event_id(data),
        )


class PerformanceBody(_Body):
    endpoint: Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=r"^\S+$")]
    method: Annotated[str, StringConstraints(pattern=r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$")] | None = None
    response_time: int = Field(alias="responseTime", ge=0, le=600_000)
    status_code: int = Field(alias="statusCode", ge=100, le=599)
    error_message: Annotated[str, StringConstraints(max_length=1024)] | None = Field(default=None, alias="errorMessage")

    def to_input(self) -> EventInput:
        return self._input(
            "performance",
            self.endpoint,
            endpoint=self.endpoint,
            method=self.method,
            response_time=self.response_time,
            status_code=self.status_code,
            error_message=self.error_message,
        )


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

    def to_input(self) -> EventInput:
        return self._input(
            "heatmap",
            heatmap_page_key(self.page_url),
            page_url=self.page_url,
            x=self.x_position,
            y=self.y_position,
            viewport_width=self.viewport_width,
            viewport_height=self.viewport_height,
            document_height=self.document_height,
            element_selector=self.element_selector,
            click_count=self.click_count,
            hover_count=self.hover_count,
            scroll_depth=self.scroll_depth,
        )


EventKind = Literal["activity", "event-interaction", "conversion", "performance", "heatmap"]

BODY_MODELS: dict[str, type[_Body]] = {
    "activity": ActivityBody,
    "event-interaction": EventInteractionBody,
    "conversion": ConversionBody,
    "performance": PerformanceBody,
    "heatmap": HeatmapBody,
}


def parse_body(kind: str, payload: Any, prefix: str = "") -> tuple[_Body | None, list[FieldError]]:
    """One tracking body of ``kind`` (a route or a batch item's ``type``), or its field errors."""
    return validate(BODY_MODELS[kind], payload, prefix)
