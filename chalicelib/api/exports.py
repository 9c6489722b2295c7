"""POST /export (every data set of the seed, CSV or JSON) and GET /export/{jobId} (job progress).

Small results answer inline. Larger ones become an export job: the request
starts it within a time budget, a schedule (and, as a fallback, polling the
status route) carries it on from its checkpoint, and the finished file is in S3
behind a presigned URL. A ``user`` token may export only its own data
(``filters.userId`` = its own id); other exports need admin or analyst.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.api import params
from chalicelib.api.analytics_models import DateRange
from chalicelib.api.auth import authenticated, jwt_auth, require_role
from chalicelib.api.responses import Forbidden, NotFound, ValidationFailed, api_view, parse_json_body, success
from chalicelib.auth import READ_ROLES
from chalicelib.config import get_settings
from chalicelib.domain import export_formats as fmt
from chalicelib.domain.clock import parse_iso, utc_now
from chalicelib.schemas import MAX_SINGLE_BODY_BYTES, FieldError, field_errors
from chalicelib.store import exports as store

bp = Blueprint(__name__)
REQUEST_BUDGET_SECONDS = 10.0
POLL_BUDGET_SECONDS = 5.0
STALE_AFTER = timedelta(seconds=30)
DEFAULT_DAYS = 30


class ExportBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    data_type: Literal[fmt.DATASETS] = Field(alias="dataType")  # type: ignore[valid-type]
    format: Literal["csv", "json"] = "json"
    filters: dict[str, str | int | bool] = Field(default_factory=dict, max_length=10)
    date_range: DateRange | None = Field(default=None, alias="dateRange")


def _check_filters(body: ExportBody) -> dict[str, Any]:
    allowed = fmt.allowed_filters(body.data_type)
    errors = [
        FieldError(field=f"filters.{key}", message=f"is not a filter of {body.data_type}")
        for key in body.filters
        if key not in allowed
    ]
    for key, value in body.filters.items():
        if isinstance(value, str) and not 0 < len(value) <= 2048:
            errors.append(FieldError(field=f"filters.{key}", message="must be 1-2048 characters"))
    if errors:
        raise ValidationFailed(errors)
    return dict(body.filters)


def _authorise(filters: dict[str, Any]) -> str:
    principal = authenticated(bp.current_request)
    if principal.role in READ_ROLES:
        return principal.user_id
    if principal.role == "user" and filters.get("userId") == principal.user_id:
        return principal.user_id
    raise Forbidden("A user token may export only its own data (filters.userId = your id)")


def job_view(state: store.JobState) -> dict[str, Any]:
    total = state.units_total or 1
    done = min(state.position.unit, state.units_total)
    view = {
        "jobId": state.job_id,
        "status": state.status,
        "dataType": state.spec.data_type,
        "format": state.spec.format,
        "progress": {
            "unitsDone": done,
            "unitsTotal": state.units_total,
            "percent": 100.0 if state.status == "completed" else round(100.0 * done / total, 1),
            "rowsWritten": state.rows_written,
        },
        "createdAt": state.created_at,
        "updatedAt": state.updated_at,
        "statusUrl": f"/api/v1/tracking/export/{state.job_id}",
    }
    if state.status == "completed" and state.object_key:
        view["downloadUrl"] = store.presigned_url(state.object_key)
        view["expiresIn"] = get_settings().export_url_ttl_seconds
    if state.error:
        view["error"] = state.error
    return view


@bp.route("/export", methods=["POST"], authorizer=jwt_auth, content_types=["application/json"])
@api_view
def export() -> Response:
    payload = parse_json_body(bp.current_request.raw_body, MAX_SINGLE_BODY_BYTES)
    authenticated(bp.current_request)
    if not isinstance(payload, dict):
        raise ValidationFailed([FieldError(field="body", message="must be a JSON object")])
    try:
        body = ExportBody.model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None
    filters = _check_filters(body)
    requested_by = _authorise(filters)
    now = utc_now()
    start, end = body.date_range.bounds() if body.date_range else (now - timedelta(days=DEFAULT_DAYS), now)
    spec = store.ExportSpec(body.data_type, body.format, filters, start, end, requested_by)
    settings = get_settings()
    if not store.needs_job(spec):
        rows = store.collect_inline(spec, settings.export_inline_rows)
        if rows is not None:
            data = {
                "dataType": spec.data_type,
                "format": spec.format,
                "rowCount": len(rows),
                "columns": list(fmt.COLUMNS[spec.data_type]),
                "data": rows if spec.format == "json" else fmt.encode(spec.data_type, "csv", rows),
            }
            return success(data, "Export completed")
    state = store.create_job(spec)
    state = store.run_job(state.job_id, REQUEST_BUDGET_SECONDS) or state
    status = 200 if state.status == "completed" else 202
    return success(job_view(state), "Export job created", status=status)


@bp.route("/export/{job_id}", methods=["GET"], authorizer=jwt_auth)
@api_view
def export_status(job_id: str) -> Response:
    principal = authenticated(bp.current_request)
    params.identifier(job_id, "jobId")
    state = store.load_job(job_id)
    own_job = state is not None and principal.role == "user" and state.spec.requested_by == principal.user_id
    if not own_job:
        require_role(bp.current_request)
    if state is None:
        raise NotFound(f"Export job '{job_id}' not found")
    if state.status == "running" and (not state.updated_at or utc_now() - parse_iso(state.updated_at) > STALE_AFTER):
        # Fallback when no scheduler has advanced the job lately.
        state = store.run_job(job_id, POLL_BUDGET_SECONDS) or state
    return success(job_view(state), f"Export job {state.status}")
