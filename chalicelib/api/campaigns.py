"""Campaign CRUD (the seed's campaign_tracking) and per-campaign performance.

Performance is first-touch: a session's events and conversions count for the
campaign that brought the session (its first UTM campaign / campaignId), else for
the campaign the event itself names. The campaign id must equal the
``utm_campaign`` value (or the ``campaignId`` sent with conversions).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib import analytics
from chalicelib.api import params
from chalicelib.api.auth import jwt_auth, require_role
from chalicelib.api.responses import ApiError, NotFound, ValidationFailed, api_view, parse_json_body, success
from chalicelib.domain.clock import iso, utc_now
from chalicelib.domain.rollups import TIME_RANGES
from chalicelib.schemas import MAX_SINGLE_BODY_BYTES, FieldError, Identifier, JsonData, field_errors, parse_timestamp
from chalicelib.store import campaigns as store
from chalicelib.store.models import Campaign

bp = Blueprint(__name__)


class Conflict(ApiError):
    status, code = 409, "CONFLICT"


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


def to_json(record: Campaign) -> dict[str, Any]:
    return {
        "campaignId": record.campaign_id,
        "campaignName": record.campaign_name,
        "campaignSource": record.campaign_source,
        "campaignMedium": record.campaign_medium,
        "campaignTerm": record.campaign_term,
        "campaignContent": record.campaign_content,
        "startDate": record.start_date,
        "endDate": record.end_date,
        "isActive": record.is_active,
        "campaignData": record.campaign_data,
        "createdAt": record.created_at,
    }


def _parse(model: type[BaseModel]) -> Any:
    payload = parse_json_body(bp.current_request.raw_body, MAX_SINGLE_BODY_BYTES)
    if not isinstance(payload, dict):
        raise ValidationFailed([FieldError(field="body", message="must be a JSON object")])
    try:
        body = model.model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None
    start, end = getattr(body, "start_date", None), getattr(body, "end_date", None)
    if start and end and end < start:
        raise ValidationFailed([FieldError(field="endDate", message="must not be before startDate")])
    return body


def _existing(campaign_id: str) -> Campaign:
    params.identifier(campaign_id, "campaignId")
    record = store.get(campaign_id)
    if record is None:
        raise NotFound(f"Campaign '{campaign_id}' not found")
    return record


@bp.route("/campaigns", methods=["POST"], authorizer=jwt_auth, content_types=["application/json"])
@api_view
def create_campaign() -> Response:
    require_role(bp.current_request)
    body: CampaignCreate = _parse(CampaignCreate)
    values = body.model_dump(exclude_none=True)
    record = Campaign(**values, created_at=iso(utc_now()))
    try:
        store.create(record)
    except store.CampaignExists:
        raise Conflict(f"Campaign '{body.campaign_id}' already exists") from None
    return success(to_json(record), "Campaign created successfully", status=201)


@bp.route("/campaigns", methods=["GET"], authorizer=jwt_auth)
@api_view
def list_campaigns() -> Response:
    require_role(bp.current_request)
    query = params.query(bp.current_request)
    params.reject_unknown(query, {"isActive"})
    active = params.boolean(query, "isActive", True) if "isActive" in query else None
    records = [r for r in store.list_all() if active is None or r.is_active == active]
    return success({"campaigns": [to_json(r) for r in records], "total": len(records)}, "Campaigns retrieved")


@bp.route("/campaigns/{campaign_id}", methods=["GET"], authorizer=jwt_auth)
@api_view
def get_campaign(campaign_id: str) -> Response:
    require_role(bp.current_request)
    return success(to_json(_existing(campaign_id)), "Campaign retrieved")


@bp.route("/campaigns/{campaign_id}", methods=["PUT", "PATCH"], authorizer=jwt_auth, content_types=["application/json"])
@api_view
def update_campaign(campaign_id: str) -> Response:
    require_role(bp.current_request)
    record = _existing(campaign_id)
    body: CampaignFields = _parse(CampaignFields)
    for name, value in body.model_dump(exclude_none=True).items():
        setattr(record, name, value)
    if record.start_date and record.end_date and record.end_date < record.start_date:
        raise ValidationFailed([FieldError(field="endDate", message="must not be before startDate")])
    store.put(record)
    return success(to_json(record), "Campaign updated successfully")


@bp.route("/campaigns/{campaign_id}", methods=["DELETE"], authorizer=jwt_auth)
@api_view
def delete_campaign(campaign_id: str) -> Response:
    require_role(bp.current_request)
    _existing(campaign_id)
    store.delete(campaign_id)
    return success({"campaignId": campaign_id, "deleted": True}, "Campaign deleted successfully")


@bp.route("/campaigns/{campaign_id}/performance", methods=["GET"], authorizer=jwt_auth)
@api_view
def campaign_performance(campaign_id: str) -> Response:
    request = bp.current_request
    require_role(request)
    record = _existing(campaign_id)
    query = params.query(request)
    params.reject_unknown(query, {"startDate", "endDate", "timeRange"})
    now = utc_now()
    time_range = params.choice(query, "timeRange", list(TIME_RANGES), "30d")
    end = params.timestamp(query, "endDate") or now
    start = params.timestamp(query, "startDate") or end - TIME_RANGES[time_range][0]
    if start > end or end - start > timedelta(days=400):
        raise ValidationFailed([FieldError(field="startDate", message="must be before endDate, at most 400 days")])
    data = {"campaignId": record.campaign_id, "campaignName": record.campaign_name}
    data.update(analytics.campaign_performance(record.campaign_id, start, end))
    return success(data, "Campaign performance retrieved successfully")
