"""Session upserts at ingest: one BatchGetItem, then one conditional PutItem per visit (or one
transaction for the visits of a many-visit batch) per request.

Optimistic locking on ``version`` keeps concurrent requests of the same session
from losing counts; the fingerprints in the item (domain.sessions) make a
retried request a no-op. Sessions are folded at ingest rather than from the
stream so they exist as soon as the request returns: a deletion right after
never races a stream consumer that would re-create them (docs/data-model.md).
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


def _conditional_put(state: SessionState, retention_days: int) -> dict[str, Any]:
    """The session, created once, then only over the version we read."""
    put: dict[str, Any] = {"TableName": Session.Meta.table_name, "Item": _to_item(state, retention_days)}
    if state.version is None:
        put["ConditionExpression"] = "attribute_not_exists(session_id)"
    else:
        put["ConditionExpression"] = "version = :v"
        put["ExpressionAttributeValues"] = {":v": {"N": str(state.version)}}
    return put


def _write_visit(state: SessionState, closed: list[SessionState], retention_days: int) -> bool:
    """Closed visits first (plain puts: same content on a re-fold), then the current one
    conditionally. False when another writer changed the session since we read it."""
    *archived, current = _visit_actions(state, closed, retention_days)
    for action in archived:
        dynamo.with_retry(lambda put=action["Put"]: dynamo.client().put_item(**put), "PutItem session")
    put = current["Put"]
    try:
        dynamo.with_retry(lambda: dynamo.client().put_item(**put), "PutItem session")
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise


MAX_TRANSACTION_ACTIONS = 100


def _visit_actions(state: SessionState, closed: list[SessionState], retention_days: int) -> list[dict[str, Any]]:
    table = Session.Meta.table_name
    archived = [
        {"Put": {"TableName": table, "Item": _to_item(dataclasses.replace(c, version=None), retention_days)}}
        for c in closed
    ]
    return [*archived, {"Put": _conditional_put(state, retention_days)}]


def _write_visits_together(group: list[tuple[str, list[dict[str, Any]]]]) -> list[tuple[str, bool]]:
    """Several sessions' puts in one TransactWriteItems: one round trip instead of one per
    session (a relay's batch spans many visits). All or nothing: if any session changed since
    it was read, none is written and every one of them is re-read and re-folded."""
    actions = [action for _, session_actions in group for action in session_actions]
    try:
        dynamo.with_retry(
            lambda: dynamo.client().transact_write_items(TransactItems=actions), "TransactWriteItems sessions"
        )
        return [(session_id, True) for session_id, _ in group]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
        if not any(code in ("ConditionalCheckFailed", "TransactionConflict") for code in reasons):
            raise
        return [(session_id, False) for session_id, _ in group]


def _transaction_groups(
    writes: dict[str, tuple[SessionState, list[SessionState], int]], retention_days: int
) -> list[list[tuple[str, list[dict[str, Any]]]]]:
    groups: list[list[tuple[str, list[dict[str, Any]]]]] = [[]]
    size = 0
    for session_id, (state, closed, _) in writes.items():
        session_actions = _visit_actions(state, closed, retention_days)
        if size + len(session_actions) > MAX_TRANSACTION_ACTIONS and groups[-1]:
            groups.append([])
            size = 0
        groups[-1].append((session_id, session_actions))
        size += len(session_actions)
    return groups


def upsert_sessions(
    events_by_session: dict[str, list[SessionEvent]],
    timeout: timedelta,
    retention_days: int,
    loaded: dict[str, SessionState] | None = None,
) -> dict[str, int]:
    """Fold each session's new events into its stored state. Returns events applied per session.

    A request's sessions are read with one BatchGetItem. One session (an SDK flush carries
    one visit) is written with one conditional PutItem; several (a relay's batch) go in
    transactions of up to 100 puts, one round trip each, at twice the write units. A
    version conflict re-reads and re-folds. ``loaded`` is the states the caller has already
    read for these sessions (ingest reads them before its raw writes): the first attempt uses
    them instead of reading again.
    """
    applied: dict[str, int] = {}
    pending = dict(events_by_session)
    for attempt in range(MAX_CONFLICT_RETRIES):
        if not pending:
            return applied
        if attempt == 0 and loaded is not None:
            current = {sid: state for sid, state in loaded.items() if sid in pending}
        else:
            current = load_sessions(list(pending))
        writes: dict[str, tuple[SessionState, list[SessionState], int]] = {}
        for session_id, events in pending.items():
            state, closed, count = fold_session(current.get(session_id), session_id, events, timeout)
            if count == 0 or state is None:
                applied[session_id] = 0
            else:
                writes[session_id] = (state, closed, count)

        if len(writes) == 1:
            session_id, (state, closed, _) = next(iter(writes.items()))
            outcomes = [(session_id, _write_visit(state, closed, retention_days))]
        else:
            groups = _transaction_groups(writes, retention_days)
            outcomes = [o for group in dynamo.write_pool().map(_write_visits_together, groups) for o in group]
        conflicts = {sid for sid, ok in outcomes if not ok}
        applied.update({sid: writes[sid][2] for sid, ok in outcomes if ok})
        pending = {sid: pending[sid] for sid in conflicts}
        if pending:
            time.sleep(dynamo.backoff_delay(attempt))
    if pending:
        raise dynamo.StorageUnavailable("session update kept conflicting")
    return applied
