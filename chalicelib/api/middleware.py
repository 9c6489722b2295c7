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

from chalicelib.observability import flush_metrics, logger, metrics


def observability(event: Request, get_response: Callable[[Request], Response]) -> Response:
    headers = event.headers or {}
    context = event.context or {}
    correlation_id = headers.get("x-correlation-id") or context.get("requestId") or str(uuid.uuid4())
    logger.thread_safe_append_keys(correlation_id=correlation_id)
    started = time.perf_counter()
    try:
        try:
            response = get_response(event)
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
