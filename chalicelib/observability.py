"""Powertools Logger (JSON, correlation id) and Metrics (EMF), one of each per process."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

from chalicelib.config import get_settings

_settings = get_settings()

logger = Logger(service=_settings.service_name)
metrics = Metrics(namespace=_settings.metrics_namespace, service=_settings.service_name)
