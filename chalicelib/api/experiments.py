"""Experiment routes: create/list/get/stop (admin), sticky assignment (public), results (admin, analyst)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from chalice import Blueprint, CORSConfig, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chalicelib.api.auth import jwt_auth, require_role
from chalicelib.api.context import optional_principal, request_facts
from chalicelib.api.responses import NotFound, RateLimited, ValidationFailed, api_view, parse_json_body, success
from chalicelib.config import get_settings
from chalicelib.domain.assignment import assign_variant, unit_key
from chalicelib.domain.clock import iso, parse_iso, utc_now
from chalicelib.domain.experiments import METRICS
from chalicelib.jobs.ab_results import compute, variants_of
from chalicelib.schemas import FieldError, Identifier, Name, field_errors
from chalicelib.store import experiments as store
from chalicelib.store import ratelimit
from chalicelib.store.models import Experiment

bp = Blueprint(__name__)
ADMIN = ("admin",)
MAX_BODY_BYTES = 16_384
CORS = CORSConfig(
    allow_origin=get_settings().cors_origin,
    allow_headers=["Authorization", "Content-Type", "X-Correlation-Id"],
    max_age=600,
)
SEED_FIELDS = (
    "total_participants",
    "variant_a_participants",
    "variant_b_participants",
    "variant_a_conversions",
    "variant_b_conversions",
    "variant_a_conversion_rate",
    "variant_b_conversion_rate",
    "confidence_level",
    "winner",
)


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


def _validate(model: type[BaseModel], payload: Any) -> Any:
    if not isinstance(payload, dict):
        raise ValidationFailed([FieldError(field="body", message="must be a JSON object")])
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None


def experiment_json(experiment: Experiment) -> dict[str, Any]:
    return {
        "id": experiment.experiment_id,
        "testName": experiment.test_name,
        "testType": experiment.test_type,
        "variants": experiment.variants,
        "conversionType": experiment.conversion_type,
        "metric": experiment.metric,
        "confidence": float(experiment.confidence),
        "minSample": int(experiment.min_sample),
        "isActive": experiment.is_active,
        "startDate": experiment.start_date,
        "endDate": experiment.end_date,
        "createdAt": experiment.created_at,
        # The seed's ab_testing columns, as of the last results run.
        **{name: getattr(experiment, name) for name in SEED_FIELDS},
    }


def _load(experiment_id: str) -> Experiment:
    experiment = store.get(experiment_id) if len(experiment_id) <= 64 else None
    if experiment is None:
        raise NotFound(f"Experiment '{experiment_id[:64]}' not found")
    return experiment


@bp.route("/experiments", methods=["POST"], authorizer=jwt_auth, cors=CORS)
@api_view
def create_experiment() -> Response:
    require_role(bp.current_request, ADMIN)
    body = _validate(ExperimentBody, parse_json_body(bp.current_request.raw_body, MAX_BODY_BYTES))
    now = iso(utc_now())
    experiment = Experiment(
        experiment_id=str(uuid.uuid4()),
        created_at=now,
        test_name=body.test_name,
        test_type=body.test_type,
        variants=[{"name": v.name, "weight": v.weight} for v in body.variants],
        conversion_type=body.conversion_type,
        metric=body.metric,
        confidence=body.confidence,
        min_sample=body.min_sample,
        start_date=body.start_date or now,
        end_date=body.end_date,
        is_active=True,
    )
    store.create(experiment)
    return success(experiment_json(experiment), "Experiment created", status=201)


@bp.route("/experiments", methods=["GET"], authorizer=jwt_auth, cors=CORS)
@api_view
def list_experiments() -> Response:
    require_role(bp.current_request, ADMIN)
    found = [experiment_json(e) for e in store.list_all()]
    return success({"experiments": found, "total": len(found)})


@bp.route("/experiments/{experiment_id}", methods=["GET"], authorizer=jwt_auth, cors=CORS)
@api_view
def get_experiment(experiment_id: str) -> Response:
    require_role(bp.current_request, ADMIN)
    return success(experiment_json(_load(experiment_id)))


@bp.route("/experiments/{experiment_id}/stop", methods=["POST"], authorizer=jwt_auth, cors=CORS)
@api_view
def stop_experiment(experiment_id: str) -> Response:
    require_role(bp.current_request, ADMIN)
    experiment = _load(experiment_id)
    if experiment.is_active:
        now = utc_now()
        store.stop(experiment, now)
        compute(experiment, now)  # final results as of the stop
    return success(experiment_json(_load(experiment_id)), "Experiment stopped")


@bp.route("/experiments/{experiment_id}/assign", methods=["POST"], cors=CORS, content_types=["application/json"])
@api_view
def assign(experiment_id: str) -> Response:
    """Public: browsers ask which variant to show. Signed in → the token's user; else the body's session."""
    request = bp.current_request
    settings = get_settings()
    facts = request_facts(request, settings)
    decision = ratelimit.hit(
        facts.ip_hash or "unknown",
        facts.now.timestamp(),
        settings.rate_limit_requests,
        settings.rate_limit_window_seconds,
    )
    if not decision.allowed:
        raise RateLimited("Too many requests", headers={"Retry-After": str(decision.retry_after)})
    body = _validate(AssignBody, parse_json_body(request.raw_body, MAX_BODY_BYTES) if request.raw_body else {})
    principal = optional_principal(request)
    user_id = principal.user_id if principal else None
    if not user_id and not body.session_id:
        raise ValidationFailed([FieldError(field="sessionId", message="is required without a signed-in user")])
    experiment = _load(experiment_id)
    unit = unit_key(user_id, body.session_id)
    variants = variants_of(experiment)
    if not experiment.is_active:
        # Stopped: everyone sees the control and nothing more is recorded.
        data = {"experimentId": experiment_id, "variant": variants[0].name, "unit": unit, "active": False}
        return success({**data, "recorded": False}, "Experiment is not running")
    variant, recorded = store.record_exposure(
        experiment_id,
        unit,
        assign_variant(experiment_id, unit, variants),
        user_id,
        None if user_id else body.session_id,
        facts.now,
    )
    data = {"experimentId": experiment_id, "variant": variant, "unit": unit, "active": True, "recorded": recorded}
    return success(data, "Variant assigned")


@bp.route("/experiments/{experiment_id}/results", methods=["GET"], authorizer=jwt_auth, cors=CORS)
@api_view
def results(experiment_id: str) -> Response:
    """The last scheduled results; ``?refresh=true`` recomputes them now (admin or analyst)."""
    require_role(bp.current_request)
    experiment = _load(experiment_id)
    params = bp.current_request.query_params or {}
    if params.get("refresh", "").lower() in ("1", "true") or experiment.results is None:
        compute(experiment, utc_now())
        experiment = _load(experiment_id)
    return success(
        {"experiment": experiment_json(experiment), "results": experiment.results, "updatedAt": experiment.updated_at}
    )
