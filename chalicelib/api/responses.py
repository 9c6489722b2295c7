"""The HTTP envelope of every route, and the errors handlers raise to produce it.

Success: ``{"success": true, "message": ..., "data": {...}}``.
Failure: ``{"success": false, "error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib.domain.errors import FieldError
from chalicelib.observability import logger
from chalicelib.services import errors as service_errors
from chalicelib.services.errors import StorageUnavailable

JSON_HEADERS = {"Content-Type": "application/json"}


class ApiError(Exception):
    status = 400
    code = "BAD_REQUEST"

    def __init__(
        self, message: str, details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.headers = headers or {}


class ValidationFailed(ApiError):
    status, code = 400, "VALIDATION_ERROR"

    def __init__(self, errors: list[FieldError], message: str | None = None):
        fields = ", ".join(dict.fromkeys(e.field for e in errors))
        super().__init__(message or f"Invalid request: {fields}", [e.model_dump() for e in errors])


class Unauthorized(ApiError):
    status, code = 401, "UNAUTHORIZED"


class Forbidden(ApiError):
    status, code = 403, "FORBIDDEN"


class NotFound(ApiError):
    status, code = 404, "NOT_FOUND"


class PayloadTooLarge(ApiError):
    status, code = 413, "PAYLOAD_TOO_LARGE"


class RateLimited(ApiError):
    status, code = 429, "RATE_LIMITED"


class Conflict(ApiError):
    status, code = 409, "CONFLICT"


class ServiceUnavailable(ApiError):
    status, code = 503, "STORAGE_UNAVAILABLE"


def from_service(exc: service_errors.ServiceError) -> ApiError:
    """A service outcome as the HTTP error the envelope reports."""
    if isinstance(exc, service_errors.InvalidInput):
        return ValidationFailed(exc.errors, exc.message)
    if isinstance(exc, service_errors.RateLimitExceeded):
        return RateLimited(exc.message, headers={"Retry-After": str(exc.retry_after)})
    statuses: dict[type, type[ApiError]] = {
        service_errors.NotFound: NotFound,
        service_errors.Conflict: Conflict,
        service_errors.Forbidden: Forbidden,
    }
    return statuses.get(type(exc), ApiError)(exc.message)


def success(data: Any, message: str = "OK", status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = {"success": True, "message": message, "data": data}
    return Response(body=json.dumps(body, default=str), status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def failure(error: ApiError) -> Response:
    body = {"success": False, "error": {"code": error.code, "message": error.message, "details": error.details}}
    return Response(body=json.dumps(body), status_code=error.status, headers={**JSON_HEADERS, **error.headers})


def api_view(view: Callable[..., Response]) -> Callable[..., Response]:
    """Turn domain/storage exceptions into the envelope; nothing a client sends becomes a 500."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except ApiError as exc:
            return failure(exc)
        except service_errors.ServiceError as exc:
            return failure(from_service(exc))
        except StorageUnavailable as exc:
            logger.warning("storage unavailable after retries", extra={"reason": str(exc)})
            return failure(
                ServiceUnavailable(
                    "Storage is busy; retry the request (it is safe to repeat)", headers={"Retry-After": "1"}
                )
            )
        except Exception:
            logger.exception("unhandled error")
            error = ApiError("Internal error")
            error.status, error.code = 500, "INTERNAL_ERROR"
            return failure(error)

    return wrapper


def parse_json_body(raw: bytes | None, limit: int) -> Any:
    """Decode a JSON body with a size bound: 413 past the limit, 400 naming ``body`` if malformed."""
    raw = raw or b""
    if len(raw) > limit:
        raise PayloadTooLarge(
            f"Request body exceeds {limit} bytes", [{"field": "body", "message": f"at most {limit} bytes"}]
        )
    if not raw.strip():
        raise ValidationFailed([FieldError(field="body", message="is required")])
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed([FieldError(field="body", message="must be valid JSON")]) from None
