"""Bodies of the experiment routes: a new A/B test, and a browser's assignment request."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.domain.clock import iso, parse_iso
from chalicelib.domain.experiments import METRICS
from chalicelib.schemas.common import Identifier, Name

MAX_BODY_BYTES = 16_384


class VariantBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\- ]+$")
    weight: float = Field(default=1.0, gt=0, le=1_000_000)


class ExperimentBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True, populate_by_name=True)
    test_name: str = Field(alias="testName", min_length=1, max_length=200)
    test_type: Literal["page", "feature", "content", "pricing", "email", "other"] = Field(
        default="feature", alias="testType"
    )
    variants: list[VariantBody] = Field(min_length=2, max_length=10)
    conversion_type: Name | None = Field(default=None, alias="conversionType")
    metric: Literal[METRICS] = "conversion_rate"  # type: ignore[valid-type]
    confidence: float = Field(default=0.95, ge=0.8, le=0.999)
    min_sample: int = Field(default=150, alias="minSample", ge=1, le=10_000_000)
    start_date: str | None = Field(default=None, alias="startDate", max_length=40)
    end_date: str | None = Field(default=None, alias="endDate", max_length=40)

    @field_validator("variants", mode="before")
    @classmethod
    def names_to_variants(cls, value: Any) -> Any:
        # ["A", "B"] is accepted as equal weights (the seed's variants JSON array).
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("start_date", "end_date")
    @classmethod
    def iso_time(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return iso(parse_iso(value))
        except ValueError:
            raise ValueError("must be an ISO 8601 date-time") from None

    @model_validator(mode="after")
    def distinct_names(self) -> ExperimentBody:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError("variants: names must be unique")
        if self.metric == "revenue" and not self.conversion_type:
            raise ValueError("conversionType: is required for the revenue metric")
        return self


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)
    session_id: Identifier | None = Field(default=None, alias="sessionId")
