"""Helpers for job tests: raw events written straight to storage, scheduled events, table dumps."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.clock import day_of, iso
from chalicelib.domain.events import TrackedEvent, partition_key, shard_of
from chalicelib.store import catalog, dynamo
from chalicelib.store import events as event_store
from chalicelib.store.models import ALL_MODELS


def raw_event(kind: str, name: str, moment: datetime, **attributes: Any) -> TrackedEvent:
    settings = get_settings()
    message_id = str(uuid.uuid4())
    return TrackedEvent(
        pk=partition_key(kind, name, day_of(moment), shard_of(message_id, settings.shard_count)),
        sk=f"{iso(moment)}#{message_id}",
        kind=kind,
        name=name,
        ts=iso(moment),
        message_id=message_id,
        expires_at=int((moment + timedelta(days=settings.retention_days)).timestamp()),
        client_keyed=True,
        attributes={k: v for k, v in attributes.items() if v is not None},
    )


def store_raw(events: list[TrackedEvent]) -> None:
    """What ingest stores for these events: the items and the catalog of names per day."""
    event_store.save_events(events)
    names: dict[str, set[str]] = {}
    for event in events:
        names.setdefault(event.ts[:10], set()).add(f"{event.kind}/{event.name}")
    catalog.note_names(names, get_settings().retention_days)


def scheduled(at: datetime, **detail: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def scan_table(model: type) -> list[dict[str, Any]]:
    """Test-only full read of a table (the product never scans)."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": model.Meta.table_name}
    while True:
        page = dynamo.client().scan(**request)
        items += page.get("Items", [])
        if not page.get("LastEvaluatedKey"):
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def every_table_as_text() -> dict[str, list[str]]:
    return {
        model.Meta.table_name: [json.dumps(item, sort_keys=True, default=str) for item in scan_table(model)]
        for model in ALL_MODELS
    }
