"""Operational alerts on the SNS topic (``settings.alert_topic_arn``)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import boto3

from chalicelib.config import get_settings
from chalicelib.observability import logger
from chalicelib.store import dynamo


@lru_cache(maxsize=1)
def _sns() -> Any:
    settings = get_settings()
    return boto3.client("sns", region_name=settings.region, endpoint_url=settings.sns_endpoint)


def reset_client() -> None:
    _sns.cache_clear()


def publish(subject: str, body: dict[str, Any], topic_arn: str | None = None) -> str | None:
    """Publish one alert; returns the SNS message id, or None when no topic is configured."""
    topic = topic_arn or get_settings().alert_topic_arn
    if not topic:
        logger.warning("alert not sent: no ALERT_TOPIC_ARN configured", extra={"subject": subject, **body})
        return None
    response = dynamo.with_retry(
        lambda: _sns().publish(
            TopicArn=topic,
            Subject=subject[:100],
            Message=json.dumps(body, sort_keys=True, default=str),
            MessageAttributes={"alert": {"DataType": "String", "StringValue": str(body.get("alert", "alert"))}},
        ),
        "SNS Publish",
    )
    return str(response["MessageId"])
