"""The HTTP envelope of every route, and the errors handlers raise to produce it.

Success: ``{"success": true, "message": ..., "data": {...}}``.
Failure: ``{"success": false, "error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

import functools
import json
import re
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


# Deepest nesting any body may have: a batch (1) → events (2) → item (3) → free-form data (4) holding
# MAX_JSON_DEPTH more levels, with room to spare. Checked on the raw text before parsing, so a body
# nested past Python's recursion limit never reaches the decoder (or any recursive check after it).
MAX_BODY_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def json_text_depth(text: str) -> int:
    """How deeply ``text`` nests arrays and objects, ignoring brackets inside strings (iterative)."""
    if text.count("[") + text.count("{") <= MAX_BODY_DEPTH:
        return 0  # cannot nest deeper than the limit: skip the scan
    depth = deepest = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Duplicate keys are refused (last-wins would silently pick one of two values the client sent)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def parse_json_body(raw: bytes | None, limit: int) -> Any:
    """Decode a JSON body with bounds: 413 past the size limit; 400 naming ``body`` if malformed or nested
    deeper than ``MAX_BODY_DEPTH``; 400 naming the key an object repeats."""
    raw = raw or b""
    if len(raw) > limit:
        raise PayloadTooLarge(
            f"Request body exceeds {limit} bytes", [{"field": "body", "message": f"at most {limit} bytes"}]
        )
    if not raw.strip():
        raise ValidationFailed([FieldError(field="body", message="is required")])
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ValidationFailed([FieldError(field="body", message="must be valid JSON (UTF-8)")]) from None
    if json_text_depth(text) > MAX_BODY_DEPTH:
        too_deep = f"must be nested at most {MAX_BODY_DEPTH} levels deep"
        raise ValidationFailed([FieldError(field="body", message=too_deep)])
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise ValidationFailed([FieldError(field=exc.key[:128], message="duplicate key")]) from None
    except (ValueError, RecursionError):
        raise ValidationFailed([FieldError(field="body", message="must be valid JSON")]) from None
