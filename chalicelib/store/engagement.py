"""Engagement metric items: one conditional ``UpdateItem`` per entity per job window.

The condition ``applied_window < :window`` makes a window's deltas land at most
once per entity, so a run interrupted half-way and repeated changes nothing it
already applied, and a repeated window is a no-op.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.engagement import (
    COUNTER_FIELDS_EVENT,
    COUNTER_FIELDS_USER,
    EventDelta,
    UserDelta,
    engagement_rate,
)
from chalicelib.store import dynamo
from chalicelib.store.models import EventEngagement, Session, UserEngagement

_NOT_YET_APPLIED = "attribute_not_exists(applied_window) OR applied_window < :window"


def _number(value: float) -> dict[str, str]:
    return {"N": repr(round(value, 6)) if isinstance(value, float) else str(value)}


def _update(
    table: str,
    key: dict[str, Any],
    counters: dict[str, float],
    first: tuple[str, str | None],
    last: tuple[str, str | None],
    window: str,
    extra_set: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """ADD counters, keep the earliest ``first`` and latest ``last``; None when already applied."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {":window": {"S": window}}
    adds, sets = [], ["applied_window = :window"]
    for index, (name, amount) in enumerate(counters.items()):
        names[f"#c{index}"] = name
        values[f":c{index}"] = _number(amount)
        adds.append(f"#c{index} :c{index}")
    for label, (name, value) in (("first", first), ("last", last)):
        if value is None:
            continue
        names[f"#{label}"] = name
        values[f":{label}"] = {"S": value}
        sets.append(f"#{label} = if_not_exists(#{label}, :{label})" if label == "first" else f"#{label} = :{label}")
    for index, (name, value) in enumerate((extra_set or {}).items()):
        names[f"#x{index}"] = name
        values[f":x{index}"] = value
        sets.append(f"#x{index} = :x{index}")
    expression = "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else "")
    try:
        response = dynamo.with_retry(
            lambda: dynamo.client().update_item(
                TableName=table,
                Key=key,
                UpdateExpression=expression,
                ConditionExpression=_NOT_YET_APPLIED,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            ),
            "UpdateItem engagement",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise
    return response.get("Attributes", {})


def apply_user_delta(user_id: str, delta: UserDelta, sessions: tuple[int, int], window: str) -> bool:
    """Fold one window into a user's metrics. Session figures are SET (recomputed from the sessions)."""
    values = asdict(delta)
    counters = {name: values[name] for name in COUNTER_FIELDS_USER}
    extra = {"total_sessions": {"N": str(sessions[0])}, "avg_session_duration": {"N": str(sessions[1])}}
    attributes = _update(
        UserEngagement.Meta.table_name,
        {"user_id": {"S": user_id}},
        counters,
        ("first_activity", delta.first_activity),
        ("last_activity", delta.last_activity),
        window,
        extra,
    )
    return attributes is not None


def apply_event_delta(event_id: str, delta: EventDelta, window: str) -> bool:
    values = asdict(delta)
    counters = {name: values[name] for name in COUNTER_FIELDS_EVENT}
    key = {"event_id": {"S": event_id}}
    attributes = _update(
        EventEngagement.Meta.table_name,
        key,
        counters,
        ("first_interaction", delta.first_interaction),
        ("last_interaction", delta.last_interaction),
        window,
    )
    if attributes is None:
        return False
    rate = engagement_rate(
        float(attributes.get("total_interactions", {}).get("N", 0)),
        float(attributes.get("total_views", {}).get("N", 0)),
    )
    # The rate is a ratio of totals, so it is SET after the ADD (idempotent on its own).
    dynamo.with_retry(
        lambda: dynamo.client().update_item(
            TableName=EventEngagement.Meta.table_name,
            Key=key,
            UpdateExpression="SET engagement_rate = :r",
            ExpressionAttributeValues={":r": _number(rate)},
        ),
        "UpdateItem engagement rate",
    )
    return True


def session_durations(user_id: str) -> list[float]:
    """Durations (seconds) of the user's sessions, via the sessions ``by_user`` index."""
    durations: list[float] = []
    request: dict[str, Any] = {
        "TableName": Session.Meta.table_name,
        "IndexName": "by_user",
        "KeyConditionExpression": "user_id = :u",
        "ExpressionAttributeValues": {":u": {"S": user_id}},
        "ProjectionExpression": "session_id, #d",
        "ExpressionAttributeNames": {"#d": "duration"},
    }
    while True:
        page = dynamo.with_retry(lambda request=request: dynamo.client().query(**request), "Query sessions by user")
        durations += [float(item.get("duration", {}).get("N", 0)) for item in page.get("Items", [])]
        if not page.get("LastEvaluatedKey"):
            return durations
        request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def get_user_metrics(user_id: str) -> dict[str, Any] | None:
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(
            TableName=UserEngagement.Meta.table_name, Key={"user_id": {"S": user_id}}, ConsistentRead=True
        ),
        "GetItem user engagement",
    )
    return dynamo.plain(response["Item"], ("applied_window",)) if "Item" in response else None


def get_event_metrics(event_id: str) -> dict[str, Any] | None:
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(
            TableName=EventEngagement.Meta.table_name, Key={"event_id": {"S": event_id}}, ConsistentRead=True
        ),
        "GetItem event engagement",
    )
    return dynamo.plain(response["Item"], ("applied_window",)) if "Item" in response else None
