"""Bodies of the campaign routes (the seed's campaign_tracking columns, camelCase)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.domain.clock import iso
from chalicelib.schemas.common import Identifier, JsonData, parse_timestamp


class CampaignFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    campaign_name: str | None = Field(default=None, alias="campaignName", min_length=1, max_length=256)
    campaign_source: str | None = Field(default=None, alias="campaignSource", max_length=256)
    campaign_medium: str | None = Field(default=None, alias="campaignMedium", max_length=256)
    campaign_term: str | None = Field(default=None, alias="campaignTerm", max_length=256)
    campaign_content: str | None = Field(default=None, alias="campaignContent", max_length=256)
    start_date: str | None = Field(default=None, alias="startDate")
    end_date: str | None = Field(default=None, alias="endDate")
    is_active: bool | None = Field(default=None, alias="isActive")
    campaign_data: JsonData | None = Field(default=None, alias="campaignData")

    @field_validator("start_date", "end_date")
    @classmethod
    def _timestamp(cls, value: str | None) -> str | None:
        return None if value is None else iso(parse_timestamp(value))


class CampaignCreate(CampaignFields):
    campaign_id: Identifier = Field(alias="campaignId")
    campaign_name: str = Field(alias="campaignName", min_length=1, max_length=256)
