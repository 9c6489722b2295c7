"""HTTP middleware: correlation id, structured access log, EMF flush per request.

The correlation id is a thread-local key of the logger (Powertools' thread-safe keys,
backed by a context variable): Lambda serves one request per process, but
``chalice local`` serves each request on its own thread, and a process-wide key
would stamp one request's logs with another's id.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from chalice.app import Request, Response

from chalicelib.api.responses import ApiError, failure
from chalicelib.observability import flush_metrics, logger, metrics

# No route declares a query parameter longer than a few hundred characters (names lists included);
# past this the request is refused in the JSON envelope. API Gateway refuses far longer request lines
# itself (its own 414, see docs/api-validation.md); chalice local's launcher envelopes its 414 too.
MAX_QUERY_CHARS = 4096
MAX_PATH_CHARS = 2048


class UriTooLong(ApiError):
    status, code = 414, "URI_TOO_LONG"


def _too_long(event: Request) -> UriTooLong | None:
    params = getattr(event, "query_params", None) or {}
    values = params.getlist if hasattr(params, "getlist") else lambda key: [params[key]]
    query = sum(len(key) + len(value) + 2 for key in params for value in values(key))
    if query > MAX_QUERY_CHARS:
        return UriTooLong(
            f"Query string exceeds {MAX_QUERY_CHARS} characters",
            [{"field": "query", "message": f"at most {MAX_QUERY_CHARS} characters"}],
        )
    if len(getattr(event, "path", None) or "") > MAX_PATH_CHARS:
        return UriTooLong(
            f"Path exceeds {MAX_PATH_CHARS} characters",
            [{"field": "path", "message": f"at most {MAX_PATH_CHARS} characters"}],
        )
    return None


def observability(event: Request, get_response: Callable[[Request], Response]) -> Response:
    headers = event.headers or {}
    context = event.context or {}
    correlation_id = headers.get("x-correlation-id") or context.get("requestId") or str(uuid.uuid4())
    logger.thread_safe_append_keys(correlation_id=correlation_id)
    started = time.perf_counter()
    try:
        try:
            refused = _too_long(event)
            response = failure(refused) if refused else get_response(event)
        finally:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        response.headers["X-Correlation-Id"] = correlation_id
        logger.info(
            "request",
            extra={
                "method": event.method,
                "path": context.get("resourcePath") or event.path,
                "status": response.status_code,
                "duration_ms": elapsed_ms,
            },
        )
        metrics.add_dimension(name="stage", value=context.get("stage") or "local")
        flush_metrics()
        return response
    finally:
        logger.thread_safe_remove_keys(["correlation_id"])
