"""Body of ``POST /export``: which seed data set, which format, filters and dates."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain import export_formats as fmt
from chalicelib.schemas.analytics import DateRange


class ExportBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    data_type: Literal[fmt.DATASETS] = Field(alias="dataType")  # type: ignore[valid-type]
    format: Literal["csv", "json"] = "json"
    filters: dict[str, str | int | bool] = Field(default_factory=dict, max_length=10)
    date_range: DateRange | None = Field(default=None, alias="dateRange")
