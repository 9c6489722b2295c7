"""The built-in authorizer of every read route, and the role checks views apply.

The authorizer identifies (it verifies the JWT and passes role and user id in
the request context); views authorise. That way a forged, expired or
``alg: none`` token gets our 401 envelope and a wrong role our 403 envelope,
identically under API Gateway, ``chalice local`` and ``chalice.test``. A request
without an ``Authorization`` header is refused 401 by the gateway itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from chalice import AuthResponse, Blueprint
from chalice.app import AuthRequest, Request

from chalicelib.api.responses import Forbidden, Unauthorized
from chalicelib.auth import READ_ROLES, InvalidToken, Principal, bearer_token, verify_token

bp = Blueprint(__name__)


@bp.authorizer(ttl_seconds=0)
def jwt_auth(auth_request: AuthRequest) -> AuthResponse:
    token = bearer_token(auth_request.token)
    try:
        if token is None:
            raise InvalidToken("expected 'Authorization: Bearer <token>'")
        principal = verify_token(token)
    except InvalidToken as exc:
        return AuthResponse(routes=["*"], principal_id="anonymous", context={"valid": "false", "reason": str(exc)})
    return AuthResponse(
        routes=["*"],
        principal_id=principal.user_id,
        context={"valid": "true", "role": principal.role, "userId": principal.user_id},
    )


def authenticated(request: Request) -> Principal:
    context = (request.context or {}).get("authorizer") or {}
    if context.get("valid") != "true":
        raise Unauthorized(f"Invalid or expired token: {context.get('reason', 'missing token')}")
    return Principal(user_id=str(context["userId"]), role=str(context["role"]))


def require_role(request: Request, roles: Iterable[str] = READ_ROLES) -> Principal:
    """401 without a valid token, 403 when its role is not allowed here."""
    principal = authenticated(request)
    allowed = set(roles)
    if principal.role not in allowed:
        raise Forbidden(f"Role '{principal.role}' may not access this resource (needs {', '.join(sorted(allowed))})")
    return principal


def require_self_or_role(request: Request, user_id: str, roles: Iterable[str] = ("admin",)) -> Principal:
    """A user may act on their own data; other subjects need one of ``roles``."""
    principal = authenticated(request)
    if principal.user_id == user_id and principal.role == "user":
        return principal
    if principal.role not in set(roles):
        raise Forbidden("Only the user themself or an admin may access this user's data")
    return principal
