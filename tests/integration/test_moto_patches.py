"""The local moto patches (``local/moto_patches.py``) keep DynamoDB's semantics for transactions and queries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from chalicelib.store import dynamo
from chalicelib.store.models import Rollup


def _item(pk: str) -> dict | None:
    key = {"pk": {"S": pk}, "sk": {"S": "x"}}
    return dynamo.client().get_item(TableName=Rollup.Meta.table_name, Key=key, ConsistentRead=True).get("Item")


def _add(pk: str) -> dict:
    return {
        "Update": {
            "TableName": Rollup.Meta.table_name,
            "Key": {"pk": {"S": pk}, "sk": {"S": "x"}},
            "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def _put_new(pk: str) -> dict:
    return {
        "Put": {
            "TableName": Rollup.Meta.table_name,
            "Item": {"pk": {"S": pk}, "sk": {"S": "x"}, "n": {"N": "100"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def test_a_cancelled_transaction_leaves_every_item_as_it_was(aws) -> None:
    client = dynamo.client()
    client.transact_write_items(TransactItems=[_add("a"), _put_new("marker")])
    assert _item("a")["n"] == {"N": "1"} and _item("marker")["n"] == {"N": "100"}

    # The marker exists: the whole transaction is cancelled, including the updates before and after it.
    with pytest.raises(ClientError) as raised:
        client.transact_write_items(TransactItems=[_add("a"), _put_new("marker"), _add("fresh")])
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _item("a")["n"] == {"N": "1"}
    assert _item("marker")["n"] == {"N": "100"}
    assert _item("fresh") is None

    client.transact_write_items(TransactItems=[_add("a"), _add("fresh")])
    assert _item("a")["n"] == {"N": "2"} and _item("fresh")["n"] == {"N": "1"}


def test_a_query_reads_its_partition_only_and_in_key_order(aws) -> None:
    """The query patch: same answers as DynamoDB, in sort-key order, forwards and backwards, with paging."""
    client = dynamo.client()
    table = Rollup.Meta.table_name
    for pk in ("p1", "p2"):
        for n in (3, 1, 2, 5, 4):
            client.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": f"{pk}-{n}"}})

    def keys(**extra: object) -> list[str]:
        response = client.query(
            TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p2"}}, **extra
        )
        return [item["sk"]["S"] for item in response["Items"]]

    assert keys() == [f"p2-{n}" for n in range(1, 6)]
    assert keys(ScanIndexForward=False) == [f"p2-{n}" for n in range(5, 0, -1)]
    first = client.query(
        TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p2"}}, Limit=2
    )
    assert [i["sk"]["S"] for i in first["Items"]] == ["p2-1", "p2-2"]
    assert keys(ExclusiveStartKey=first["LastEvaluatedKey"]) == ["p2-3", "p2-4", "p2-5"]
    assert (
        client.query(
            TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "none"}}
        )["Items"]
        == []
    )


WRITES = 2000


def test_concurrent_writes_get_distinct_stream_sequence_numbers(aws) -> None:
    """DynamoDB numbers a shard's records uniquely; a resume "at" a number must not replay a twin."""
    import boto3

    from chalicelib.store.models import RawEvent
    from local.stream_pump import StreamReader

    client = dynamo.client()
    # Large items make moto build each stream record slowly, which is when threads interleave.
    bulk = {"data": {"S": "x" * 3000}, **{f"a{i}": {"N": str(i)} for i in range(30)}}

    def put(n: int) -> None:
        item = {"pk": {"S": f"p{n % 3}"}, "sk": {"S": f"s{n}"}, **bulk}
        client.put_item(TableName=RawEvent.Meta.table_name, Item=item)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(put, range(WRITES)))
    reader = StreamReader(client, boto3.client("dynamodbstreams", region_name="us-east-1"), RawEvent.Meta.table_name)
    numbers: list[str] = []
    reader.drain(lambda event: numbers.extend(r["dynamodb"]["SequenceNumber"] for r in event["Records"]))
    assert len(numbers) == WRITES
    assert len(set(numbers)) == WRITES
