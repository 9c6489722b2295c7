"""Campaign CRUD (the seed's campaign_tracking) and per-campaign performance.

Performance is first-touch: a session's events and conversions count for the
campaign that brought the session (its first UTM campaign / campaignId), else for
the campaign the event itself names. The campaign id must equal the
``utm_campaign`` value (or the ``campaignId`` sent with conversions).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.api import params
from chalicelib.api.auth import READERS, allows, jwt_auth
from chalicelib.api.declare import declare
from chalicelib.api.responses import ValidationFailed, api_view, success
from chalicelib.domain.clock import utc_now
from chalicelib.schemas import FieldError
from chalicelib.schemas.campaigns import CampaignCreate, CampaignFields
from chalicelib.schemas.query import CAMPAIGN_LIST, CAMPAIGN_PERFORMANCE
from chalicelib.services import campaigns as service
from chalicelib.services.campaigns import Campaign

bp = Blueprint(__name__)


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


def _parse(model: type[CampaignFields]) -> Any:
    body = params.body(bp.current_request, model)
    if body.start_date and body.end_date and body.end_date < body.start_date:
        raise ValidationFailed([FieldError(field="endDate", message="must not be before startDate")])
    return body


def _campaign_id(campaign_id: str) -> str:
    return params.identifier(campaign_id, "campaignId")


@bp.route("/campaigns", methods=["POST"], authorizer=jwt_auth, content_types=["application/json"])
@api_view
@allows(READERS)
@declare(body=CampaignCreate)
def create_campaign() -> Response:
    READERS.check(bp.current_request)
    body: CampaignCreate = _parse(CampaignCreate)
    record = service.create(body.model_dump(exclude_none=True))
    return success(to_json(record), "Campaign created successfully", status=201)


@bp.route("/campaigns", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS)
@declare(query=CAMPAIGN_LIST)
def list_campaigns() -> Response:
    READERS.check(bp.current_request)
    query = params.parse(bp.current_request, CAMPAIGN_LIST)
    records = service.list_campaigns(query["isActive"])
    return success({"campaigns": [to_json(r) for r in records], "total": len(records)}, "Campaigns retrieved")


@bp.route("/campaigns/{campaign_id}", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS)
def get_campaign(campaign_id: str) -> Response:
    READERS.check(bp.current_request)
    return success(to_json(service.get(_campaign_id(campaign_id))), "Campaign retrieved")


@bp.route("/campaigns/{campaign_id}", methods=["PUT", "PATCH"], authorizer=jwt_auth, content_types=["application/json"])
@api_view
@allows(READERS)
@declare(body=CampaignFields)
def update_campaign(campaign_id: str) -> Response:
    READERS.check(bp.current_request)
    campaign_id = _campaign_id(campaign_id)
    service.get(campaign_id)
    body: CampaignFields = _parse(CampaignFields)
    record = service.update(campaign_id, body.model_dump(exclude_none=True))
    return success(to_json(record), "Campaign updated successfully")


@bp.route("/campaigns/{campaign_id}", methods=["DELETE"], authorizer=jwt_auth)
@api_view
@allows(READERS)
def delete_campaign(campaign_id: str) -> Response:
    READERS.check(bp.current_request)
    service.delete(_campaign_id(campaign_id))
    return success({"campaignId": campaign_id, "deleted": True}, "Campaign deleted successfully")


@bp.route("/campaigns/{campaign_id}/performance", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS)
@declare(query=CAMPAIGN_PERFORMANCE)
def campaign_performance(campaign_id: str) -> Response:
    request = bp.current_request
    READERS.check(request)
    record = service.get(_campaign_id(campaign_id))
    query = params.parse(request, CAMPAIGN_PERFORMANCE)
    start, end = params.date_window(query, utc_now())
    data = {"campaignId": record.campaign_id, "campaignName": record.campaign_name}
    data.update(service.performance(record.campaign_id, start, end))
    return success(data, "Campaign performance retrieved successfully")
