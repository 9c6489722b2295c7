"""Session upserts: one read and one conditional write per session per request.

Optimistic locking on ``version`` keeps concurrent requests of the same session
from losing counts; the fingerprints in the item (domain.sessions) make a
retried request a no-op.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.sessions import SessionEvent, SessionState, fold_session
from chalicelib.store import dynamo
from chalicelib.store.models import Session

MAX_CONFLICT_RETRIES = 5
_STATE_FIELDS = tuple(f.name for f in dataclasses.fields(SessionState))


def _to_state(item: dict[str, Any]) -> SessionState:
    model = Session.from_raw_data(item)
    values = {name: getattr(model, name) for name in _STATE_FIELDS}
    values["seen"] = values["seen"] or b""
    for name in ("segment", "page_views", "events", "engagements", "duration"):
        values[name] = int(values[name] or 0)
    return SessionState(**values)


def _to_item(state: SessionState, retention_days: int) -> dict[str, Any]:
    values = dataclasses.asdict(state)
    values.pop("version")
    values["seen"] = values["seen"] or None
    expires = datetime.fromisoformat(state.last_seen.replace("Z", "+00:00")) + timedelta(days=retention_days)
    model = Session(**{k: v for k, v in values.items() if v is not None}, expires_at=expires.astimezone(UTC))
    item = model.serialize()
    item["version"] = {"N": str((state.version or 0) + 1)}
    return item


def load_sessions(session_ids: list[str]) -> dict[str, SessionState]:
    keys = [{"session_id": {"S": sid}} for sid in session_ids]
    return {state.session_id: state for state in map(_to_state, dynamo.batch_get(Session.Meta.table_name, keys))}


def _put(state: SessionState, retention_days: int) -> bool:
    """Conditional put; False when another writer got there first."""
    condition = "attribute_not_exists(session_id)" if state.version is None else "version = :v"
    kwargs: dict[str, Any] = {
        "TableName": Session.Meta.table_name,
        "Item": _to_item(state, retention_days),
        "ConditionExpression": condition,
    }
    if state.version is not None:
        kwargs["ExpressionAttributeValues"] = {":v": {"N": str(state.version)}}
    try:
        dynamo.with_retry(lambda: dynamo.client().put_item(**kwargs), "PutItem session")
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise


def _put_archived(state: SessionState, retention_days: int) -> None:
    item = _to_item(dataclasses.replace(state, version=None), retention_days)
    dynamo.with_retry(lambda: dynamo.client().put_item(TableName=Session.Meta.table_name, Item=item), "PutItem session")


def upsert_sessions(
    events_by_session: dict[str, list[SessionEvent]], timeout: timedelta, retention_days: int
) -> dict[str, int]:
    """Fold each session's new events into its stored state. Returns events applied per session."""
    applied: dict[str, int] = {}
    pending = dict(events_by_session)
    for _ in range(MAX_CONFLICT_RETRIES):
        if not pending:
            break
        current = load_sessions(list(pending))
        conflicts: dict[str, list[SessionEvent]] = {}
        for session_id, events in pending.items():
            state, closed, count = fold_session(current.get(session_id), session_id, events, timeout)
            if count == 0 or state is None:
                applied[session_id] = 0
                continue
            for archived in closed:
                _put_archived(archived, retention_days)
            if _put(state, retention_days):
                applied[session_id] = count
            else:
                conflicts[session_id] = events
        pending = conflicts
    if pending:
        raise dynamo.StorageUnavailable("session update kept conflicting")
    return applied
