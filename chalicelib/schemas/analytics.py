"""Request bodies of the analytics routes, bounded like the ingest bodies (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.schemas.common import Identifier, Name, parse_timestamp
from chalicelib.schemas.query import TIME_RANGES

StepKind = Literal["activity", "interaction", "conversion"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True, populate_by_name=True)


class DateRange(_Strict):
    start_date: str = Field(alias="startDate")
    end_date: str = Field(alias="endDate")

    @field_validator("start_date", "end_date")
    @classmethod
    def _timestamp(cls, value: str) -> str:
        parse_timestamp(value if "T" in value else value + "T00:00:00Z")
        return value

    def bounds(self) -> tuple[datetime, datetime]:
        start = parse_timestamp(self.start_date if "T" in self.start_date else self.start_date + "T00:00:00Z")
        end = parse_timestamp(self.end_date if "T" in self.end_date else self.end_date + "T23:59:59Z")
        return start, end

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        start, end = self.bounds()
        if end < start:
            raise ValueError("endDate must not be before startDate")
        if (end - start).days > 400:
            raise ValueError("may span at most 400 days")
        return self


class FunnelStepBody(_Strict):
    name: str = Field(min_length=1, max_length=100)
    event_type: Name = Field(alias="eventType")
    kind: StepKind | None = None


class FunnelFilters(_Strict):
    user_id: Identifier | None = Field(default=None, alias="userId")
    session_id: Identifier | None = Field(default=None, alias="sessionId")
    event_id: Identifier | None = Field(default=None, alias="eventId")
    campaign_id: Identifier | None = Field(default=None, alias="campaignId")
    device: Name | None = None
    browser: Name | None = None
    os: Name | None = None
    utm_source: str | None = Field(default=None, alias="utmSource", max_length=256)
    utm_medium: str | None = Field(default=None, alias="utmMedium", max_length=256)
    utm_campaign: str | None = Field(default=None, alias="utmCampaign", max_length=256)

    def as_wire(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump(by_alias=True).items() if v is not None}


class FunnelBody(_Strict):
    funnel_steps: list[FunnelStepBody] = Field(alias="funnelSteps", min_length=1, max_length=10)
    time_range: str = Field(default="30d", alias="timeRange")
    date_range: DateRange | None = Field(default=None, alias="dateRange")
    mode: Literal["ordered", "strict"] = "ordered"
    conversion_window_days: float = Field(default=14, alias="conversionWindowDays", gt=0, le=90)
    filters: FunnelFilters = Field(default_factory=FunnelFilters)

    @field_validator("time_range")
    @classmethod
    def _range(cls, value: str) -> str:
        if value not in TIME_RANGES:
            raise ValueError(f"must be one of {', '.join(TIME_RANGES)}")
        return value
