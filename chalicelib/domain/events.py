"""From a validated event to the fact we store: keys, enrichment, expiry.

The raw item's key is deterministic from the client's ``messageId`` and
``timestamp``: a retried request overwrites the same item instead of adding a
second one, and DynamoDB Streams emit an INSERT only the first time, so
roll-ups fed from INSERT records count each message once.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.clock import day_of, iso
from chalicelib.domain.errors import FieldError
from chalicelib.domain.useragent import UserAgentFacts
from chalicelib.domain.utm import campaign_facts

# Route/batch type → stored kind. The seed's five raw tables, one per kind.
STORED_KIND = {
    "activity": "activity",
    "event-interaction": "interaction",
    "conversion": "conversion",
    "performance": "performance",
    "heatmap": "heatmap",
}
# Export data sets (the seed's table names) → stored kind.
DATASET_KIND = {
    "user_activity": "activity",
    "event_interactions": "interaction",
    "conversions": "conversion",
    "performance": "performance",
    "heatmap": "heatmap",
}
BROWSER_KINDS = frozenset({"activity", "interaction", "conversion", "heatmap"})


@dataclass(frozen=True)
class EventInput:
    """One event as a client described it, already validated: the stored kind, its name (event
    type, interaction, conversion, endpoint or heatmap page), the optional client identity
    (``message_id`` + ``timestamp``) and the kind's own attributes (``page_url``, ``data``,
    ``referrer``, ``value`` …, named as stored)."""

    kind: str
    name: str
    message_id: str | None = None
    timestamp: datetime | None = None
    session_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestFacts:
    """What the server knows about the sender, independent of the body."""

    now: datetime
    user_id: str | None
    ip_hash: str | None
    agent: UserAgentFacts


@dataclass(frozen=True)
class IngestPolicy:
    shard_count: int
    retention_days: int
    max_event_age: timedelta
    max_clock_skew: timedelta


@dataclass
class TrackedEvent:
    """A raw fact ready for storage; attribute names match ``store.models.RawEvent``."""

    pk: str
    sk: str
    kind: str
    name: str
    ts: str
    message_id: str
    expires_at: int
    client_keyed: bool
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def session_id(self) -> str | None:
        return self.attributes.get("session_id")

    @property
    def user_id(self) -> str | None:
        return self.attributes.get("user_id")


def shard_of(message_id: str, shard_count: int) -> int:
    """Stable spread of one hot name over ``shard_count`` partitions."""
    digest = hashlib.blake2b(message_id.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % shard_count


def key_name(name: str) -> str:
    """Names are embedded in ``#``-separated keys: escape the separator."""
    return name.replace("%", "%25").replace("#", "%23")


def partition_key(kind: str, name: str, day: str, shard: int) -> str:
    return f"{kind}/{key_name(name)}#{day}#{shard}"


def partition_keys(kind: str, name: str, day: str, shard_count: int) -> list[str]:
    """Every shard of one name on one day: what a reader fans out over."""
    return [partition_key(kind, name, day, shard) for shard in range(shard_count)]


def heatmap_page_key(page_url: str) -> str:
    """A page's identity for heatmaps: host + path, no query or fragment."""
    parts = urlsplit(page_url)
    key = f"{(parts.hostname or '').lower()}{parts.path or '/'}"
    if len(key) > 400:
        key = key[:360] + "~" + hashlib.sha1(key.encode()).hexdigest()
    return key


def _event_time(event: EventInput, request: RequestFacts, policy: IngestPolicy) -> tuple[datetime, list[FieldError]]:
    if event.timestamp is None:
        return request.now, []
    moment = event.timestamp
    if moment > request.now + policy.max_clock_skew:
        return moment, [FieldError(field="timestamp", message="is in the future")]
    if moment < request.now - policy.max_event_age:
        days = policy.max_event_age.days
        return moment, [FieldError(field="timestamp", message=f"is older than {days} days")]
    return moment, []


def build_event(
    given: EventInput, request: RequestFacts, policy: IngestPolicy
) -> tuple[TrackedEvent | None, list[FieldError]]:
    """A validated event + request facts → a keyed, enriched fact (or the field errors of its time)."""
    kind, name = given.kind, given.name
    moment, errors = _event_time(given, request, policy)
    if errors:
        return None, errors
    message_id = given.message_id or str(uuid.uuid4())
    ts = iso(moment)
    attributes = dict(given.attributes)
    referrer = attributes.pop("referrer", None)
    attributes["session_id"] = given.session_id
    attributes["user_id"] = request.user_id
    if given.session_id and not request.user_id and kind in BROWSER_KINDS:
        attributes["anon_session_id"] = given.session_id
    if kind in BROWSER_KINDS:
        facts = campaign_facts(attributes.get("page_url"), attributes.get("data"), referrer)
        attributes["page_path"] = facts.page_path
        attributes["referrer"] = facts.referrer
        attributes["referrer_domain"] = facts.referrer_domain
        for utm_field, value in facts.utm.items():
            attributes[f"utm_{utm_field}"] = value
        if kind == "conversion" and not attributes.get("campaign_id") and facts.utm.get("campaign"):
            attributes["campaign_id"] = facts.utm["campaign"][:128]
        attributes["browser"] = request.agent.browser
        attributes["os"] = request.agent.os
        attributes["device"] = request.agent.device
        attributes["ip_hash"] = request.ip_hash
    expires_at = int((moment + timedelta(days=policy.retention_days)).timestamp())
    event = TrackedEvent(
        pk=partition_key(kind, name, day_of(moment), shard_of(message_id, policy.shard_count)),
        sk=f"{ts}#{message_id}",
        kind=kind,
        name=name,
        ts=ts,
        message_id=message_id,
        expires_at=expires_at,
        client_keyed=given.message_id is not None and given.timestamp is not None,
        attributes={k: v for k, v in attributes.items() if v is not None},
    )
    return event, []
