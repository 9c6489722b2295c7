"""Powertools Logger (JSON, correlation id) and Metrics (EMF), one of each per process."""

from __future__ import annotations

import contextlib
import threading

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics.exceptions import SchemaValidationError

from chalicelib.config import get_settings

_settings = get_settings()

logger = Logger(service=_settings.service_name)
metrics = Metrics(namespace=_settings.metrics_namespace, service=_settings.service_name)

_flush_lock = threading.Lock()


def flush_metrics() -> None:
    """Emit this invocation's EMF metrics.

    One Lambda process serves one request at a time, but ``chalice local`` serves
    requests on threads that share the one metric set: two flushes racing would
    serialise an emptied set (Powertools raises). Serialised here, and a set that
    another thread already flushed is simply nothing to emit.
    """
    with _flush_lock, contextlib.suppress(SchemaValidationError):
        metrics.flush_metrics(raise_on_empty_metrics=False)
