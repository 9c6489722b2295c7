"""Experiment routes: create/stop (admin), list/get/results (admin, analyst), sticky assignment (public)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.api import params
from chalicelib.api.auth import ADMINS, READERS, allows, jwt_auth
from chalicelib.api.context import optional_principal, request_facts
from chalicelib.api.declare import declare
from chalicelib.api.responses import ValidationFailed, api_view, success
from chalicelib.config import get_settings
from chalicelib.domain.clock import utc_now
from chalicelib.schemas import FieldError
from chalicelib.schemas.experiments import MAX_BODY_BYTES, AssignBody, ExperimentBody
from chalicelib.schemas.query import EXPERIMENT_RESULTS
from chalicelib.services import admission
from chalicelib.services import experiments as service
from chalicelib.services.experiments import Experiment

bp = Blueprint(__name__)
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


@bp.route("/experiments", methods=["POST"], authorizer=jwt_auth)
@api_view
@allows(ADMINS)
@declare(body=ExperimentBody)
def create_experiment() -> Response:
    ADMINS.check(bp.current_request)
    body = params.body(bp.current_request, ExperimentBody, MAX_BODY_BYTES)
    fields = {
        "test_name": body.test_name,
        "test_type": body.test_type,
        "variants": [{"name": v.name, "weight": v.weight} for v in body.variants],
        "conversion_type": body.conversion_type,
        "metric": body.metric,
        "confidence": body.confidence,
        "min_sample": body.min_sample,
        "start_date": body.start_date,
        "end_date": body.end_date,
    }
    return success(experiment_json(service.create(fields, utc_now())), "Experiment created", status=201)


@bp.route("/experiments", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS)
def list_experiments() -> Response:
    """Every experiment, running and stopped (admin or analyst: analysts read, admins also change)."""
    READERS.check(bp.current_request)
    found = [experiment_json(e) for e in service.list_experiments()]
    return success({"experiments": found, "total": len(found)})


@bp.route("/experiments/{experiment_id}", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS)
def get_experiment(experiment_id: str) -> Response:
    """One experiment with its last results' seed fields (admin or analyst)."""
    READERS.check(bp.current_request)
    return success(experiment_json(service.get(experiment_id)))


@bp.route("/experiments/{experiment_id}/stop", methods=["POST"], authorizer=jwt_auth)
@api_view
@allows(ADMINS)
def stop_experiment(experiment_id: str) -> Response:
    ADMINS.check(bp.current_request)
    return success(experiment_json(service.stop(experiment_id, utc_now())), "Experiment stopped")


@bp.route("/experiments/{experiment_id}/assign", methods=["POST"], content_types=["application/json"])
@api_view
@declare(body=AssignBody)
def assign(experiment_id: str) -> Response:
    """Public: browsers ask which variant to show. Signed in → the token's user; else the body's session."""
    request = bp.current_request
    facts = request_facts(request, get_settings())
    admission.admit(facts)
    body = params.body(request, AssignBody, MAX_BODY_BYTES, optional=True)
    principal = optional_principal(request)
    user_id = principal.user_id if principal else None
    if not user_id and not body.session_id:
        raise ValidationFailed([FieldError(field="sessionId", message="is required without a signed-in user")])
    data = service.assign(experiment_id, user_id, body.session_id, facts.now)
    return success(data, "Variant assigned" if data["active"] else "Experiment is not running")


@bp.route("/experiments/{experiment_id}/results", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS)
@declare(query=EXPERIMENT_RESULTS)
def results(experiment_id: str) -> Response:
    """The last scheduled results; ``?refresh=true`` recomputes them now (admin or analyst)."""
    READERS.check(bp.current_request)
    query = params.parse(bp.current_request, EXPERIMENT_RESULTS)
    experiment = service.results(experiment_id, query["refresh"], utc_now())
    return success(
        {"experiment": experiment_json(experiment), "results": experiment.results, "updatedAt": experiment.updated_at}
    )
