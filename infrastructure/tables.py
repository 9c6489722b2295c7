"""DynamoDB tables as CloudFormation, derived from the PynamoDB models.

Keys, attribute types, indexes, projections, TTL attribute and stream view type
come from ``Model._get_schema()`` and ``Meta``, so no key name is written twice.
"""

from __future__ import annotations

from typing import Any

from pynamodb.models import Model

from chalicelib.config import get_settings


def base_name(model: type[Model]) -> str:
    """The table's name without the stage prefix (``events``, ``sessions``, ...)."""
    return model.Meta.table_name.removeprefix(get_settings().table_prefix)


def logical_id(model: type[Model]) -> str:
    return "".join(part.capitalize() for part in base_name(model).split("_")) + "Table"


def _hash_first(key_schema: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(
        ({"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in key_schema),
        key=lambda k: k["KeyType"] != "HASH",
    )


def _projection(projection: dict[str, Any]) -> dict[str, Any]:
    out = {"ProjectionType": projection["ProjectionType"]}
    if projection.get("NonKeyAttributes"):
        out["NonKeyAttributes"] = list(projection["NonKeyAttributes"])
    return out


def table_resource(model: type[Model], table_prefix: str, protect: bool) -> dict[str, Any]:
    """One ``AWS::DynamoDB::Table``: on demand, point-in-time recovery, encryption, TTL, streams, GSIs."""
    schema = model._get_schema()
    properties: dict[str, Any] = {
        "TableName": f"{table_prefix}{base_name(model)}",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": sorted(
            (
                {"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
                for a in schema["attribute_definitions"]
            ),
            key=lambda a: a["AttributeName"],
        ),
        "KeySchema": _hash_first(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "DeletionProtectionEnabled": protect,
    }
    indexes = [
        {
            "IndexName": index["index_name"],
            "KeySchema": _hash_first(index["key_schema"]),
            "Projection": _projection(index["projection"]),
        }
        for index in schema["global_secondary_indexes"]
    ]
    if indexes:
        properties["GlobalSecondaryIndexes"] = sorted(indexes, key=lambda i: i["IndexName"])
    ttl = model._ttl_attribute()
    if ttl is not None:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl.attr_name, "Enabled": True}
    stream_view = getattr(model.Meta, "stream_view_type", None)
    if stream_view:
        properties["StreamSpecification"] = {"StreamViewType": stream_view}
    policy = "Retain" if protect else "Delete"
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": policy,
        "UpdateReplacePolicy": policy,
        "Properties": properties,
    }
