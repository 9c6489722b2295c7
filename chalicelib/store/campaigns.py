"""Campaign records (the seed's campaign_tracking) and the index that lists them without a Scan.

The list of campaign ids lives in one item of the roll-ups table
(``campaigns#index``, a string set), kept in step with every create/delete, so
``GET /campaigns`` is one GetItem plus one BatchGetItem.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.store import dynamo, rollup_keys
from chalicelib.store.models import Campaign, Rollup

INDEX_KEY = {"pk": {"S": rollup_keys.CAMPAIGN_INDEX}, "sk": {"S": "all"}}


class CampaignExists(Exception):
    pass


def _index(op: str, campaign_id: str) -> None:
    dynamo.with_retry(
        lambda: dynamo.client().update_item(
            TableName=Rollup.Meta.table_name,
            Key=INDEX_KEY,
            UpdateExpression=f"{op} ids :id",
            ExpressionAttributeValues={":id": {"SS": [campaign_id]}},
        ),
        "UpdateItem campaign index",
    )


def campaign_ids() -> list[str]:
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(TableName=Rollup.Meta.table_name, Key=INDEX_KEY, ConsistentRead=True),
        "GetItem campaign index",
    )
    return sorted(response.get("Item", {}).get("ids", {}).get("SS", []))


def create(record: Campaign) -> Campaign:
    try:
        dynamo.with_retry(
            lambda: dynamo.client().put_item(
                TableName=Campaign.Meta.table_name,
                Item=record.serialize(),
                ConditionExpression="attribute_not_exists(campaign_id)",
            ),
            "PutItem campaign",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise CampaignExists(record.campaign_id) from None
        raise
    _index("ADD", record.campaign_id)
    return record


def get(campaign_id: str) -> Campaign | None:
    response = dynamo.with_retry(
        lambda: dynamo.client().get_item(
            TableName=Campaign.Meta.table_name, Key={"campaign_id": {"S": campaign_id}}, ConsistentRead=True
        ),
        "GetItem campaign",
    )
    item = response.get("Item")
    return Campaign.from_raw_data(item) if item else None


def put(record: Campaign) -> Campaign:
    dynamo.with_retry(
        lambda: dynamo.client().put_item(TableName=Campaign.Meta.table_name, Item=record.serialize()),
        "PutItem campaign",
    )
    return record


def delete(campaign_id: str) -> bool:
    response = dynamo.with_retry(
        lambda: dynamo.client().delete_item(
            TableName=Campaign.Meta.table_name, Key={"campaign_id": {"S": campaign_id}}, ReturnValues="ALL_OLD"
        ),
        "DeleteItem campaign",
    )
    _index("DELETE", campaign_id)
    return "Attributes" in response


def list_all() -> list[Campaign]:
    ids = campaign_ids()
    items = dynamo.batch_get(Campaign.Meta.table_name, [{"campaign_id": {"S": i}} for i in ids])
    return sorted((Campaign.from_raw_data(item) for item in items), key=lambda c: c.campaign_id)


def raw_items() -> list[dict[str, Any]]:
    """Every campaign as stored (export)."""
    ids = campaign_ids()
    return dynamo.batch_get(Campaign.Meta.table_name, [{"campaign_id": {"S": i}} for i in ids])
