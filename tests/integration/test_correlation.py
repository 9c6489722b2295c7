"""A correlation id per request, also when requests run concurrently on threads (``chalice local``)."""

from __future__ import annotations

import io
import json
import logging
import threading
from typing import Any

from chalice.app import Response

from chalicelib.api.middleware import observability
from chalicelib.observability import logger


class _Request:
    method = "GET"
    path = "/api/v1/tracking/health"

    def __init__(self, correlation_id: str) -> None:
        self.headers = {"x-correlation-id": correlation_id}
        self.context = {"resourcePath": self.path}


class _Captured:
    """The JSON lines the application's logger writes (its own formatter, a buffer beside stdout)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.handler = logging.StreamHandler(self.buffer)
        self.handler.setFormatter(logger.registered_formatter)

    def lines(self) -> list[dict[str, Any]]:
        text, _ = self.buffer.getvalue(), self.buffer.truncate(0)
        self.buffer.seek(0)
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_concurrent_requests_each_log_their_own_correlation_id() -> None:
    level = logger.log_level
    captured = _Captured()
    underlying = logging.getLogger(logger.name)
    underlying.addHandler(captured.handler)
    logger.setLevel("INFO")  # the suite runs at WARNING; this test reads the access log
    try:
        _serve_two_concurrently(captured)
    finally:
        logger.setLevel(level)
        underlying.removeHandler(captured.handler)


def _serve_two_concurrently(captured: _Captured) -> None:
    both_inside = threading.Barrier(2)

    def view(request: Any) -> Response:
        both_inside.wait(timeout=5)  # both requests are in flight: a shared key would now be the last one set
        logger.info("inside view", extra={"expected": request.headers["x-correlation-id"]})
        both_inside.wait(timeout=5)
        return Response(body="{}", status_code=200)

    responses: dict[str, Any] = {}

    def serve(correlation_id: str) -> None:
        responses[correlation_id] = observability(_Request(correlation_id), view)

    threads = [threading.Thread(target=serve, args=(cid,)) for cid in ("req-a", "req-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    lines = captured.lines()
    inside = [line for line in lines if line.get("message") == "inside view"]
    access = [line for line in lines if line.get("message") == "request"]
    assert len(inside) == 2 and len(access) == 2
    assert all(line.get("correlation_id") == line["expected"] for line in inside)
    assert {line.get("correlation_id") for line in access} == {"req-a", "req-b"}
    assert {cid: r.headers["X-Correlation-Id"] for cid, r in responses.items()} == {"req-a": "req-a", "req-b": "req-b"}
    logger.info("after the requests")
    after = captured.lines()
    assert all("correlation_id" not in line for line in after)
