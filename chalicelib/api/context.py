"""What a request tells about its sender: identity (from the token only), IP hash, user agent."""

from __future__ import annotations

from chalice.app import Request

from chalicelib.auth import InvalidToken, Principal, bearer_token, verify_token
from chalicelib.config import Settings
from chalicelib.domain.clock import day_of, utc_now
from chalicelib.domain.events import RequestFacts
from chalicelib.domain.privacy import ip_hash
from chalicelib.domain.useragent import parse_user_agent
from chalicelib.observability import logger


def path_prefix(request: Request) -> str:
    """What sits in front of this app's routes in the URL the client used: API Gateway's stage
    (``/api``) behind the gateway, nothing under ``chalice local`` or a custom domain mapping."""
    full = str((request.context or {}).get("path") or "")
    own = request.path or ""
    return full[: -len(own)] if own and full.endswith(own) and full != own else ""


def source_ip(request: Request) -> str:
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "0.0.0.0")


def optional_principal(request: Request) -> Principal | None:
    """Ingest accepts anonymous browsers; a bad token is logged and ignored, never trusted."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return None
    try:
        return verify_token(token)
    except InvalidToken as exc:
        logger.info("ignoring invalid bearer token on ingest", extra={"reason": str(exc)})
        return None


def request_facts(request: Request, settings: Settings) -> RequestFacts:
    now = utc_now()
    principal = optional_principal(request)
    return RequestFacts(
        now=now,
        user_id=principal.user_id if principal else None,
        ip_hash=ip_hash(settings.ip_hash_secret, day_of(now), source_ip(request)),
        agent=parse_user_agent(request.headers.get("user-agent")),
    )
