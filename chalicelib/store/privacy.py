"""Everything held about one user, found through indexes (never a Scan), for deletion and export.

Where a user's data lives:
- raw events they sent signed in: ``events.by_user``;
- their sessions: ``sessions.by_user``, plus every session id seen on their
  events, plus the archived segments ``<id>~<n>`` of those sessions;
- anonymous events of those sessions (sent before signing in):
  ``events.by_session`` on ``anon_session_id``;
- experiment exposures: ``experiment_assignments.by_user`` and the ``s:<session>``
  units of their sessions;
- their ``user_engagement_metrics`` item;
- dedup records naming the message ids of the events above.
Aggregates (roll-ups, event engagement, experiment totals) hold no user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.stored import StoredEvent
from chalicelib.store import dynamo, rawevents
from chalicelib.store import experiments as experiment_store
from chalicelib.store.models import Dedup, ExperimentAssignment, RawEvent, Session, UserEngagement


def _query(request: dict[str, Any]) -> list[dict[str, Any]]:
    # Expired items too: deletion must not leave what TTL has not removed yet.
    return list(dynamo.query_items(request, "Query user data", include_expired=True))


def _by_index(table: str, index: str, attribute: str, value: str) -> list[dict[str, Any]]:
    return _query(
        {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": "#a = :v",
            "ExpressionAttributeNames": {"#a": attribute},
            "ExpressionAttributeValues": {":v": {"S": value}},
        }
    )


@dataclass
class Footprint:
    raw_keys: dict[tuple[str, str], StoredEvent] = field(default_factory=dict)
    session_ids: set[str] = field(default_factory=set)
    session_items: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[ExperimentAssignment] = field(default_factory=list)
    engagement: dict[str, Any] | None = None
    dedup_ids: list[str] = field(default_factory=list)


def _base_session(session_id: str) -> str:
    return session_id.split("~", 1)[0]


def find(user_id: str) -> Footprint:
    found = Footprint()
    # Expired items too: erasure must not leave what TTL has not removed yet.
    raw_signed_in = list(rawevents.events_of_user(user_id, include_expired=True))
    sessions = _by_index(Session.Meta.table_name, "by_user", "user_id", user_id)
    bases = {_base_session(s["session_id"]["S"]) for s in sessions}
    bases |= {event.session_id for event in raw_signed_in if event.session_id}
    # Live session items keyed by the client's id, and the segments archived before them.
    live = dynamo.batch_get(Session.Meta.table_name, [{"session_id": {"S": b}} for b in sorted(bases)])
    archived_keys = [
        {"session_id": {"S": f"{item['session_id']['S']}~{n}"}}
        for item in live
        for n in range(int(item.get("segment", {}).get("N", 0)))
    ]
    by_key = {s["session_id"]["S"]: s for s in [*sessions, *live]}
    for item in dynamo.batch_get(Session.Meta.table_name, archived_keys):
        by_key[item["session_id"]["S"]] = item
    found.session_items = list(by_key.values())
    found.session_ids = bases
    for event in raw_signed_in:
        found.raw_keys[(event.pk, event.sk)] = event
    for base in sorted(bases):
        for event in rawevents.keys_of_anonymous_session(base, include_expired=True):
            found.raw_keys.setdefault((event.pk, event.sk), event)
    assignments = {(a.experiment_id, a.unit_id): a for a in experiment_store.assignments_of_user(user_id)}
    for a in experiment_store.session_assignments(sorted(bases)):
        assignments[(a.experiment_id, a.unit_id)] = a
    found.assignments = list(assignments.values())
    engagement = dynamo.with_retry(
        lambda: dynamo.client().get_item(
            TableName=UserEngagement.Meta.table_name, Key={"user_id": {"S": user_id}}, ConsistentRead=True
        ),
        "GetItem user engagement",
    )
    found.engagement = engagement.get("Item")
    message_ids = sorted({sk.split("#", 1)[1] for _, sk in found.raw_keys if "#" in sk})
    existing = dynamo.batch_get(Dedup.Meta.table_name, [{"message_id": {"S": m}} for m in message_ids])
    found.dedup_ids = sorted(item["message_id"]["S"] for item in existing)
    return found


def delete_user(user_id: str) -> dict[str, int]:
    """Delete every item found for the user; answers how many per table. Safe to repeat."""
    found = find(user_id)
    rawevents.delete_keys(found.raw_keys)
    requests: dict[str, list[dict[str, Any]]] = {
        Session.Meta.table_name: [
            {"DeleteRequest": {"Key": {"session_id": item["session_id"]}}} for item in found.session_items
        ],
        Dedup.Meta.table_name: [{"DeleteRequest": {"Key": {"message_id": {"S": m}}}} for m in found.dedup_ids],
        UserEngagement.Meta.table_name: (
            [{"DeleteRequest": {"Key": {"user_id": {"S": user_id}}}}] if found.engagement else []
        ),
    }
    dynamo.batch_write({table: reqs for table, reqs in requests.items() if reqs})
    experiment_store.delete_assignments(found.assignments)
    return {
        "events": len(found.raw_keys),
        "sessions": len(found.session_items),
        "experiment_assignments": len(found.assignments),
        "user_engagement_metrics": 1 if found.engagement else 0,
        "dedup": len(found.dedup_ids),
    }


def _item_json(item: dict[str, Any], hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    return dynamo.plain(item, hidden)


def export_user(user_id: str) -> dict[str, Any]:
    """Subject access: every item held about the user, as plain JSON."""
    found = find(user_id)
    anonymous = [key for key, event in found.raw_keys.items() if not event.kind]  # keys-only index rows
    full = dynamo.batch_get(RawEvent.Meta.table_name, [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in anonymous])
    for event in map(rawevents.decode, full):
        found.raw_keys[(event.pk, event.sk)] = event
    events = sorted(
        (
            {k: v for k, v in event.as_dict().items() if k not in ("pk", "sk")}
            for event in found.raw_keys.values()
            if event.kind
        ),
        key=lambda e: e.get("ts", ""),
    )
    return {
        "userId": user_id,
        "events": events,
        "sessions": [_item_json(s, ("seen", "version")) for s in found.session_items],
        "experimentAssignments": [
            {"experimentId": a.experiment_id, "unit": a.unit_id, "variant": a.variant, "assignedAt": a.assigned_at}
            for a in found.assignments
        ],
        "engagementMetrics": _item_json(found.engagement, ("applied_window",)) if found.engagement else None,
        "counts": {
            "events": len(events),
            "sessions": len(found.session_items),
            "experiment_assignments": len(found.assignments),
        },
    }
