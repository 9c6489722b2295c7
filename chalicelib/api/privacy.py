"""Privacy routes: deletion (right to erasure) and export (subject access) of one user's data."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.auth import ADMIN_OR_SELF, allows, jwt_auth
from chalicelib.api.responses import ValidationFailed, api_view, success
from chalicelib.schemas import FieldError
from chalicelib.services import privacy

bp = Blueprint(__name__)
MAX_USER_ID = 128


def _user_id(raw: str) -> str:
    if not raw or len(raw) > MAX_USER_ID:
        raise ValidationFailed([FieldError(field="userId", message=f"must be 1 to {MAX_USER_ID} characters")])
    return raw


@bp.route("/user/{user_id}", methods=["DELETE"], authorizer=jwt_auth)
@api_view
@allows(ADMIN_OR_SELF)
def delete_user(user_id: str) -> Response:
    user_id = _user_id(user_id)
    principal = ADMIN_OR_SELF.check(bp.current_request, user_id)
    return success(privacy.delete_user(user_id, principal.role), "User data deleted")


@bp.route("/user/{user_id}/data", methods=["GET"], authorizer=jwt_auth)
@api_view
@allows(ADMIN_OR_SELF)
def export_user(user_id: str) -> Response:
    user_id = _user_id(user_id)
    ADMIN_OR_SELF.check(bp.current_request, user_id)
    return success(privacy.export_user(user_id), "User data export")
