"""Small operational counters kept in the roll-ups table (e.g. bots dropped per day)."""

from __future__ import annotations

from chalicelib.store import dynamo, rollup_keys
from chalicelib.store.models import Rollup


def add_daily_counter(metric: str, day: str, amount: int, expires_at: int) -> None:
    dynamo.with_retry(
        lambda: dynamo.client().update_item(
            TableName=Rollup.Meta.table_name,
            Key={"pk": {"S": rollup_keys.daily_counter(metric)}, "sk": {"S": day}},
            UpdateExpression="ADD #c :n SET expires_at = if_not_exists(expires_at, :exp)",
            ExpressionAttributeNames={"#c": "count"},
            ExpressionAttributeValues={":n": {"N": str(amount)}, ":exp": {"N": str(expires_at)}},
        ),
        "UpdateItem counter",
    )


def read_daily_counter(metric: str, day: str) -> int:
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(
            TableName=Rollup.Meta.table_name,
            Key={"pk": {"S": rollup_keys.daily_counter(metric)}, "sk": {"S": day}},
            ConsistentRead=True,
        ),
        "GetItem counter",
    )
    item = response.get("Item")
    return int(item["count"]["N"]) if item else 0
