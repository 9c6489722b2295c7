"""Job checkpoints (where a job stopped) and one-time claims (an alert per condition per window)."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.clock import iso, utc_now
from chalicelib.store import dynamo
from chalicelib.store.models import JobCheckpoint


def load(job: str) -> tuple[str | None, dict[str, Any]]:
    """(position, state) of a job; (None, {}) before its first run."""
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(
            TableName=JobCheckpoint.Meta.table_name, Key={"job": {"S": job}}, ConsistentRead=True
        ),
        "GetItem checkpoint",
    )
    item = response.get("Item")
    if not item:
        return None, {}
    position = item.get("position", {}).get("S")
    state = json.loads(item["state"]["S"]) if "state" in item else {}
    return position, state


def save(job: str, position: str | None, state: dict[str, Any] | None = None) -> None:
    item: dict[str, Any] = {"job": {"S": job}, "updated_at": {"S": iso(utc_now())}}
    if position is not None:
        item["position"] = {"S": position}
    if state:
        item["state"] = {"S": json.dumps(state, sort_keys=True)}
    dynamo.with_retry(
        lambda: dynamo.client().put_item(TableName=JobCheckpoint.Meta.table_name, Item=item), "PutItem checkpoint"
    )


def claim_once(key: str, detail: dict[str, Any] | None = None) -> bool:
    """Conditional put: True for the first caller with this key, False for everyone after."""
    item: dict[str, Any] = {"job": {"S": key}, "updated_at": {"S": iso(utc_now())}}
    if detail:
        item["state"] = {"S": json.dumps(detail, sort_keys=True, default=str)}
    return dynamo.conditional(
        lambda: dynamo.client().put_item(
            TableName=JobCheckpoint.Meta.table_name, Item=item, ConditionExpression="attribute_not_exists(job)"
        ),
        "PutItem claim",
    )


def release(key: str) -> None:
    """Give a claim back (its action failed, so the next run may try again)."""
    dynamo.with_retry(
        lambda: dynamo.client().delete_item(TableName=JobCheckpoint.Meta.table_name, Key={"job": {"S": key}}),
        "DeleteItem claim",
    )
