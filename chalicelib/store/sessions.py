"""Session upserts at ingest: one BatchGetItem and one TransactWriteItems per request.

Optimistic locking on ``version`` keeps concurrent requests of the same session
from losing counts; the fingerprints in the item (domain.sessions) make a
retried request a no-op. Transactional puts cost two write units per session
touched (about 0.2 per event with SDK-sized batches), bought for one round trip
per request instead of one per visit.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.sessions import SessionEvent, SessionState, fold_session
from chalicelib.store import dynamo
from chalicelib.store.models import Session

MAX_CONFLICT_RETRIES = 5
TRANSACTION_LIMIT = 100
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


def _put_action(state: SessionState, retention_days: int) -> dict[str, Any]:
    """A conditional put of the session: created once, then only over the version we read."""
    put: dict[str, Any] = {"TableName": Session.Meta.table_name, "Item": _to_item(state, retention_days)}
    if state.version is None:
        put["ConditionExpression"] = "attribute_not_exists(session_id)"
    else:
        put["ConditionExpression"] = "version = :v"
        put["ExpressionAttributeValues"] = {":v": {"N": str(state.version)}}
    return {"Put": put}


def _archive_action(state: SessionState, retention_days: int) -> dict[str, Any]:
    item = _to_item(dataclasses.replace(state, version=None), retention_days)
    return {"Put": {"TableName": Session.Meta.table_name, "Item": item}}


def _write_all_or_nothing(actions: list[dict[str, Any]]) -> bool:
    """One TransactWriteItems: False when a version check failed or a transaction conflicted (re-read and
    retry); throttling is retried with backoff and surfaces as ``StorageUnavailable``."""
    try:
        dynamo.with_retry(lambda: dynamo.client().transact_write_items(TransactItems=actions), "TransactWriteItems")
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = {r.get("Code") for r in exc.response.get("CancellationReasons", [])} - {"None", None}
        if reasons <= {"ConditionalCheckFailed", "TransactionConflict"}:
            return False
        raise dynamo.StorageUnavailable(f"session transaction cancelled: {sorted(reasons)}") from exc


def upsert_sessions(
    events_by_session: dict[str, list[SessionEvent]], timeout: timedelta, retention_days: int
) -> dict[str, int]:
    """Fold each session's new events into its stored state. Returns events applied per session.

    A request's sessions are read with one BatchGetItem and written with one
    TransactWriteItems per 100 items (each put conditional on the version read),
    so the per-request cost stays flat however many visits a batch carries.
    """
    applied: dict[str, int] = {}
    pending = dict(events_by_session)
    for attempt in range(MAX_CONFLICT_RETRIES):
        if not pending:
            return applied
        current = load_sessions(list(pending))
        chunks: list[tuple[list[dict[str, Any]], dict[str, tuple[int, list[SessionEvent]]]]] = [([], {})]
        for session_id, events in pending.items():
            state, closed, count = fold_session(current.get(session_id), session_id, events, timeout)
            if count == 0 or state is None:
                applied[session_id] = 0
                continue
            actions = [_archive_action(archived, retention_days) for archived in closed]
            actions.append(_put_action(state, retention_days))
            if len(chunks[-1][0]) + len(actions) > TRANSACTION_LIMIT:
                chunks.append(([], {}))
            chunks[-1][0].extend(actions)
            chunks[-1][1][session_id] = (count, events)
        conflicts: dict[str, list[SessionEvent]] = {}
        for actions, members in chunks:
            if not actions:
                continue
            if _write_all_or_nothing(actions):
                applied.update({sid: count for sid, (count, _) in members.items()})
            else:
                conflicts.update({sid: events for sid, (_, events) in members.items()})
        pending = conflicts
        if pending:
            time.sleep(dynamo.backoff_delay(attempt))
    if pending:
        raise dynamo.StorageUnavailable("session update kept conflicting")
    return applied
