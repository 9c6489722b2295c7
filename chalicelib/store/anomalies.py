"""Stored anomaly episodes, in the shared ``rollups`` table.

One item per episode: ``pk = anomaly#<day of its start>`` (``rollup_keys.anomaly_day``),
``sk = <start>#<series>``; attributes ``series``, ``granularity``, ``start``, ``end``,
``peakAt``, ``peakValue``, ``baseline``, ``score``, ``direction``, ``points``,
``published`` and ``expires_at``. A listing over a range queries one partition per day.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.clock import days_between, parse_iso
from chalicelib.store import dynamo, rollup_keys
from chalicelib.store.models import Rollup

RETENTION = timedelta(days=90)


def _table() -> str:
    return Rollup.Meta.table_name


def _key(start: str, series: str) -> dict[str, Any]:
    return {"pk": {"S": rollup_keys.anomaly_day(start[:10])}, "sk": {"S": f"{start}#{series}"}}


def _decode(item: dict[str, Any]) -> dict[str, Any]:
    episode = json.loads(item["episode"]["S"])
    episode["published"] = item.get("published", {}).get("BOOL", False)
    return episode


def _query_day(day: str, first_sk: str, last_sk: str) -> list[dict[str, Any]]:
    request = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {
            ":pk": {"S": rollup_keys.anomaly_day(day)},
            ":a": {"S": first_sk},
            ":b": {"S": last_sk + "\uffff"},
        },
    }
    return [_decode(item) for page in dynamo.query_pages(request, "Query anomalies") for item in page.get("Items", [])]


def between(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every stored episode that started in ``[start, end]``, in start order."""
    first, last = start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")
    out: list[dict[str, Any]] = []
    for day in days_between(start, end):
        out += _query_day(day, first, last)
    return sorted(out, key=lambda e: (e["start"], e["series"]))


def overlapping(series: str, start: str, end: str, reach: timedelta) -> dict[str, Any] | None:
    """The stored episode of ``series`` that started within ``reach`` before ``start`` and not
    after ``end`` (the same incident seen again by a later run), if any."""
    since = parse_iso(start) - reach
    for episode in reversed(between(since, parse_iso(end))):
        if episode["series"] == series and parse_iso(episode["end"]) >= since:
            return episode
    return None


def _item(episode: dict[str, Any], published: bool) -> dict[str, Any]:
    body = {k: v for k, v in episode.items() if k != "published"}
    expires = int((parse_iso(episode["start"]) + RETENTION).timestamp())
    return {
        **_key(episode["start"], episode["series"]),
        "episode": {"S": json.dumps(body, sort_keys=True)},
        "published": {"BOOL": published},
        "expires_at": {"N": str(expires)},
    }


def create(episode: dict[str, Any]) -> bool:
    """Store a new episode (unpublished); False if that (start, series) is stored already."""
    return dynamo.conditional(
        lambda: dynamo.client().put_item(
            TableName=_table(), Item=_item(episode, False), ConditionExpression="attribute_not_exists(pk)"
        ),
        "PutItem anomaly",
    )


def save(episode: dict[str, Any], published: bool) -> None:
    """Overwrite a stored episode (its extent and peak grew, or it was published)."""
    dynamo.with_retry(
        lambda: dynamo.client().put_item(TableName=_table(), Item=_item(episode, published)), "PutItem anomaly"
    )


def delete(episode: dict[str, Any]) -> None:
    dynamo.with_retry(
        lambda: dynamo.client().delete_item(TableName=_table(), Key=_key(episode["start"], episode["series"])),
        "DeleteItem anomaly",
    )
