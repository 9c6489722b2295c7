"""The built-in authorizer of every read route, and the role checks views apply.

The authorizer identifies (it verifies the JWT and passes role and user id in
the request context); views authorise. That way a forged, expired or
``alg: none`` token gets our 401 envelope and a wrong role our 403 envelope,
identically under API Gateway, ``chalice local`` and ``chalice.test``. A request
without an ``Authorization`` header is refused 401 by the gateway itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

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
    allowed = set(roles)
    if principal.role not in allowed:
        who = " or ".join(sorted(allowed))
        raise Forbidden(f"Only the user themself or a token with role {who} may access this user's data")
    return principal


@dataclass(frozen=True)
class Access:
    """Who may call a route: any of ``roles``, and (``own``) a ``user`` token for its own id only.

    Views declare it with ``@allows(rule)`` and check it with ``rule.check``; the OpenAPI document
    states it per operation (``x-roles``, ``x-own``, the description), so the text is the code."""

    roles: frozenset[str]
    own: str | None = None  # where a user token's own id must appear: "path" or "filters.userId"

    def describe(self) -> str:
        text = "Access: " + " or ".join(sorted(self.roles)) + " tokens"
        if self.own == "path":
            text += "; a user token only for its own userId (403 for anyone else's)"
        elif self.own:
            text += f"; a user token only for its own data ({self.own} = its own id)"
        return text + "."

    def check(self, request: Request, user_id: str | None = None) -> Principal:
        if self.own == "path":
            assert user_id is not None
            return require_self_or_role(request, user_id, self.roles)
        if self.own:
            return authenticated(request)  # the service checks the filter (services.exports.authorise)
        return require_role(request, self.roles)


READERS = Access(READ_ROLES)
ADMINS = Access(frozenset({"admin"}))
READERS_OR_SELF = Access(READ_ROLES, own="path")
ADMIN_OR_SELF = Access(frozenset({"admin"}), own="path")
READERS_OR_OWN_EXPORT = Access(READ_ROLES, own="filters.userId")
ACCESS_ATTRIBUTE = "__bilten_access__"
View = TypeVar("View", bound=Callable[..., Any])


def allows(rule: Access) -> Callable[[View], View]:
    """Declare a view's access rule (read by the OpenAPI document and the access tests)."""

    def mark(view: View) -> View:
        setattr(view, ACCESS_ATTRIBUTE, rule)
        return view

    return mark


def access_of(view: Any) -> Access | None:
    current = view
    while current is not None:
        found = getattr(current, ACCESS_ATTRIBUTE, None)
        if isinstance(found, Access):
            return found
        current = getattr(current, "__wrapped__", None)
    return None
