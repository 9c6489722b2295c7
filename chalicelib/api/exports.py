"""POST /export (every data set of the seed, CSV or JSON) and GET /export/{jobId} (job progress).

Small results answer inline; larger ones become an export job (services.exports)
whose finished file is in S3 behind a presigned URL. A ``user`` token may export
only its own data (``filters.userId`` = its own id); other exports need admin or
analyst.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.api import API_PREFIX, params
from chalicelib.api.auth import READERS_OR_OWN_EXPORT, allows, jwt_auth
from chalicelib.api.context import path_prefix
from chalicelib.api.declare import declare
from chalicelib.api.responses import ValidationFailed, api_view, parse_json_body, success
from chalicelib.auth import READ_ROLES
from chalicelib.config import get_settings
from chalicelib.domain import export_formats as fmt
from chalicelib.domain.clock import utc_now
from chalicelib.schemas import MAX_SINGLE_BODY_BYTES, FieldError
from chalicelib.schemas.exports import ExportBody
from chalicelib.services import exports as service

bp = Blueprint(__name__)
DEFAULT_DAYS = 30


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


def job_view(state: service.JobState) -> dict[str, Any]:
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
        "statusUrl": f"{path_prefix(bp.current_request)}{API_PREFIX}/export/{state.job_id}",
    }
    url = service.download_url(state)
    if url:
        view["downloadUrl"] = url
        view["expiresIn"] = get_settings().export_url_ttl_seconds
    if state.error:
        view["error"] = state.error
    return view


@bp.route("/export", methods=["POST"], authorizer=jwt_auth, content_types=["application/json"])
@api_view
@allows(READERS_OR_OWN_EXPORT)
@declare(body=ExportBody)
def export() -> Response:
    request = bp.current_request
    payload = parse_json_body(request.raw_body, MAX_SINGLE_BODY_BYTES)
    principal = READERS_OR_OWN_EXPORT.check(request)
    body = params.validated(ExportBody, payload)
    filters = _check_filters(body)
    requested_by = service.authorise(principal.role, principal.user_id, filters, READ_ROLES)
    start, end = body.date_range.bounds() if body.date_range else service.default_window(utc_now(), DEFAULT_DAYS)
    spec = service.ExportSpec(body.data_type, body.format, filters, start, end, requested_by)
    outcome = service.export(spec)
    if isinstance(outcome, service.Inline):
        rows = outcome.rows
        data = {
            "dataType": spec.data_type,
            "format": spec.format,
            "rowCount": len(rows),
            "columns": list(fmt.COLUMNS[spec.data_type]),
            "data": rows if spec.format == "json" else fmt.encode(spec.data_type, "csv", rows),
        }
        return success(data, "Export completed")
    status = 200 if outcome.status == "completed" else 202
    return success(job_view(outcome), "Export job created", status=status)


@bp.route("/export/{job_id}", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(READERS_OR_OWN_EXPORT)
def export_status(job_id: str) -> Response:
    principal = READERS_OR_OWN_EXPORT.check(bp.current_request)
    params.identifier(job_id, "jobId")
    state = service.job_status(job_id, principal.role, principal.user_id, READ_ROLES)
    return success(job_view(state), f"Export job {state.status}")
