"""Helpers shared by the ingest integration tests: the seed's bodies, posting, and reading tables back.

Reads use Scan, which is fine here (tests only, a handful of items); product code never scans.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.clock import iso
from chalicelib.store import dynamo
from chalicelib.store.models import ALL_MODELS, Dedup, RawEvent, Session
from tests.seed_examples import SEED_BODIES

BASE = "/api/v1/tracking"
JSON = {"Content-Type": "application/json"}


def seed(route: str, **overrides: Any) -> dict[str, Any]:
    body = copy.deepcopy(SEED_BODIES[route])
    body.update(overrides)
    return body


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def data(self) -> dict[str, Any]:
        return self.body["data"]

    @property
    def error(self) -> dict[str, Any]:
        return self.body["error"]

    def error_fields(self) -> list[str]:
        """Every field named in ``error.details`` (batch details nest the item errors)."""
        fields = []
        for detail in self.error.get("details", []):
            if "field" in detail:
                fields.append(detail["field"])
            fields.extend(e["field"] for e in detail.get("errors", []))
        return fields


def post(client: Any, route: str, body: Any, headers: dict[str, str] | None = None) -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = client.http.post(f"{BASE}/{route}", headers={**JSON, **(headers or {})}, body=raw)
    return Reply(response.status_code, json.loads(response.body), dict(response.headers))


def page_view(session_id: str, page: str, at: datetime, message_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A batch item: a page view with messageId and timestamp, as the SDK sends it."""
    return {
        "type": "activity",
        "eventType": "page_view",
        "sessionId": session_id,
        "pageUrl": page,
        "messageId": message_id or str(uuid.uuid4()),
        "timestamp": iso(at),
        **extra,
    }


def recent(minutes_ago: float = 60) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes_ago)


def scan_raw(table_name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table_name, "ConsistentRead": True}
    while True:
        page = dynamo.client().scan(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stored_events() -> list[RawEvent]:
    return [RawEvent.from_raw_data(item) for item in scan_raw(RawEvent.Meta.table_name)]


def stored_sessions() -> dict[str, Session]:
    return {s.session_id: s for s in (Session.from_raw_data(i) for i in scan_raw(Session.Meta.table_name))}


def dedup_count() -> int:
    return len(scan_raw(Dedup.Meta.table_name))


def every_table_dump() -> str:
    """All items of all tables as one string (to search for data that must never be stored)."""
    return json.dumps({m.Meta.table_name: scan_raw(m.Meta.table_name) for m in ALL_MODELS}, default=str)
