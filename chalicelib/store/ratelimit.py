"""Fixed-window rate limit counters in DynamoDB, expired by TTL."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.store import dynamo
from chalicelib.store.models import RateLimit


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    count: int
    limit: int
    retry_after: int


def hit(subject: str, now_epoch: float, limit: int, window_seconds: int) -> RateDecision:
    """Count one request for ``subject`` in the current window (one UpdateItem)."""
    window_start = int(now_epoch // window_seconds) * window_seconds
    window_end = window_start + window_seconds
    response = dynamo.with_retry(
        lambda: dynamo.client().update_item(
            TableName=RateLimit.Meta.table_name,
            Key={"key": {"S": f"{subject}#{window_start}"}},
            UpdateExpression="ADD #c :one SET expires_at = if_not_exists(expires_at, :exp)",
            ExpressionAttributeNames={"#c": "count"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":exp": {"N": str(window_end + 60)}},
            ReturnValues="UPDATED_NEW",
        ),
        "UpdateItem rate limit",
    )
    count = int(response["Attributes"]["count"]["N"])
    return RateDecision(
        allowed=count <= limit,
        count=count,
        limit=limit,
        retry_after=max(1, int(window_end - now_epoch)),
    )
