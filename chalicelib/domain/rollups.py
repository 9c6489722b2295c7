"""Roll-up maths: buckets, the series a fact counts in, and how each family counts it.

A stream batch is folded in memory first; domain/tiers.py packs every family of a
bucket into one item (minute, hour and day tiers), which is what is stored. The
families (docs/rollups.md has the table):

=============  =========================================================================
family         attributes (per dimension)
=============  =========================================================================
counts         ``a:<event type>``, ``i:<interaction>``, ``c:<conversion>``, ``v:<conversion>``
perf           ``n:<endpoint>``, ``err:<endpoint>``, ``ms:<endpoint>``
perfq          KLL sketch of one endpoint's latency (dimension = endpoint)
event          ``n:<event id>:<interaction|conversion>``, ``v:<event id>`` (dimension = hash slot)
page           ``pv:<path>`` page views, ``n:<path>`` activity (dimension = hash slot)
campaign       ``pv:``/``n:``/``c:``/``v:<campaign>``
campaignq      HLL of a campaign's sessions (dimension = campaign id)
sessions       HLL of session ids
users          HLL of user ids
=============  =========================================================================

High-cardinality dimensions (Bilten event ids, pages) go to a fixed number of hash
slots so a family read stays a bounded number of attributes per bucket.
``aggregate`` keeps the per-family, per-granularity shape for in-memory views (one
user's events) and as the reference the packed tiers are tested against.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chalicelib.domain.clock import parse_iso
from chalicelib.domain.events import key_name
from chalicelib.domain.stored import EventFact

GRANULARITY_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MINUTE_RETENTION = timedelta(hours=48)
EVENT_SLOTS = 16
PAGE_SLOTS = 8

FAMILY_GRANULARITIES: dict[str, tuple[str, ...]] = {
    "counts": ("minute", "hour", "day"),
    "perf": ("minute", "hour", "day"),
    "perfq": ("minute", "hour", "day"),
    "event": ("hour", "day"),
    "page": ("hour", "day"),
    "campaign": ("hour", "day"),
    "campaignq": ("day",),
    "sessions": ("minute", "hour", "day"),
    "users": ("hour", "day"),
}
SKETCH_FAMILIES = {"perfq": "kll", "campaignq": "hll", "sessions": "hll", "users": "hll"}


def bucket_start(moment: datetime, granularity: str) -> datetime:
    seconds = GRANULARITY_SECONDS[granularity]
    epoch = int(moment.astimezone(UTC).timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def bucket_sk(moment: datetime, granularity: str) -> str:
    """Sort key of the bucket holding ``moment``: ISO seconds with ``Z`` (sorts as time)."""
    return bucket_start(moment, granularity).strftime("%Y-%m-%dT%H:%M:%SZ")


def next_hour(hour: str) -> str:
    """The hour bucket after ``hour`` (both sort keys)."""
    return bucket_sk(parse_iso(hour) + timedelta(hours=1), "hour")


def rollup_pk(family: str, granularity: str, dimension: str = "all") -> str:
    return f"{family}#{granularity}#{key_name(dimension)}"


def slot_of(value: str, slots: int) -> str:
    digest = hashlib.blake2b(value.encode(), digest_size=2).digest()
    return f"s{int.from_bytes(digest, 'big') % slots}"


def buckets_between(start: datetime, end: datetime, granularity: str) -> list[str]:
    """Every bucket sort key from the one holding ``start`` to the one holding ``end``."""
    step = timedelta(seconds=GRANULARITY_SECONDS[granularity])
    current, last = bucket_start(start, granularity), bucket_start(end, granularity)
    out = []
    while current <= last:
        out.append(current.strftime("%Y-%m-%dT%H:%M:%SZ"))
        current += step
    return out


def is_error(status_code: int | None, error_message: str | None) -> bool:
    """An API call failed when the server answered 5xx or the client reported an error message."""
    return bool(error_message) or (status_code is not None and status_code >= 500)


@dataclass
class ItemDelta:
    """What one batch adds to one roll-up item."""

    counters: dict[str, float] = field(default_factory=dict)
    sketch: str | None = None  # "hll" | "kll"
    hll_values: set[str] = field(default_factory=set)
    kll_values: list[float] = field(default_factory=list)
    expires_at: int = 0

    def add(self, attribute: str, amount: float = 1) -> None:
        self.counters[attribute] = self.counters.get(attribute, 0) + amount


RollupKey = tuple[str, str]


def _expiry(bucket: datetime, granularity: str, retention_days: int) -> int:
    if granularity == "minute":
        return int((bucket + MINUTE_RETENTION).timestamp())
    return int((bucket + timedelta(days=retention_days)).timestamp())


def family_dimensions(fact: EventFact, campaign: str | None) -> list[tuple[str, str]]:
    """(family, dimension) of every roll-up series this fact counts in."""
    out: list[tuple[str, str]] = []
    if fact.kind in ("activity", "interaction", "conversion"):
        out.append(("counts", "all"))
    if fact.kind == "performance":
        out.append(("perf", "all"))
        if fact.response_time is not None:
            out.append(("perfq", fact.name))
    if fact.event_id and fact.kind in ("interaction", "conversion"):
        out.append(("event", slot_of(fact.event_id, EVENT_SLOTS)))
    if fact.kind == "activity" and fact.page_path:
        out.append(("page", slot_of(fact.page_path, PAGE_SLOTS)))
    if campaign and fact.kind in ("activity", "interaction", "conversion"):
        out.append(("campaign", "all"))
        if fact.session_id:
            out.append(("campaignq", campaign))
    if fact.session_id and fact.kind != "performance":
        out.append(("sessions", "all"))
    if fact.user_id and fact.kind != "performance":
        out.append(("users", "all"))
    return out


def item_keys(fact: EventFact, campaign: str | None, now: datetime | None = None) -> list[tuple[str, str, str]]:
    """(family, granularity, dimension) of every roll-up item this fact touches."""
    keys = [
        (family, granularity, dimension)
        for family, dimension in family_dimensions(fact, campaign)
        for granularity in FAMILY_GRANULARITIES[family]
    ]
    if now is not None:
        cutoff = now - MINUTE_RETENTION
        if fact.ts < cutoff:
            keys = [k for k in keys if k[1] != "minute"]
    return keys


def contribute(delta: ItemDelta, family: str, fact: EventFact, campaign: str | None) -> None:
    if family == "counts":
        prefix = {"activity": "a", "interaction": "i", "conversion": "c"}[fact.kind]
        delta.add(f"{prefix}:{fact.name}")
        if fact.kind == "conversion":
            delta.add(f"v:{fact.name}", fact.value)
    elif family == "perf":
        delta.add(f"n:{fact.name}")
        if is_error(fact.status_code, fact.error_message):
            delta.add(f"err:{fact.name}")
        if fact.response_time is not None:
            delta.add(f"ms:{fact.name}", fact.response_time)
    elif family == "perfq":
        delta.sketch = "kll"
        delta.kll_values.append(float(fact.response_time or 0))
    elif family == "event":
        assert fact.event_id is not None
        what = fact.name if fact.kind == "interaction" else "conversion"
        delta.add(f"n:{fact.event_id}:{what}")
        if fact.kind == "conversion":
            delta.add(f"v:{fact.event_id}", fact.value)
    elif family == "page":
        assert fact.page_path is not None
        delta.add(f"n:{fact.page_path}")
        if fact.name == "page_view":
            delta.add(f"pv:{fact.page_path}")
    elif family == "campaign":
        assert campaign is not None
        delta.add(f"n:{campaign}")
        if fact.kind == "activity" and fact.name == "page_view":
            delta.add(f"pv:{campaign}")
        if fact.kind == "conversion":
            delta.add(f"c:{campaign}")
            delta.add(f"v:{campaign}", fact.value)
    elif family == "campaignq" or family == "sessions":
        delta.sketch = "hll"
        delta.hll_values.add(str(fact.session_id))
    elif family == "users":
        delta.sketch = "hll"
        delta.hll_values.add(str(fact.user_id))


def attributed_campaign(fact: EventFact) -> str | None:
    """First-touch attribution: the visit's first campaign as the raw item carries it (set at
    ingest), else the event's own campaign (no session, or an item stored before the touch)."""
    return fact.touch_campaign or fact.campaign_id


def aggregate(
    facts: Iterable[EventFact],
    retention_days: int,
    now: datetime | None = None,
) -> dict[RollupKey, ItemDelta]:
    """Fold facts into one delta per roll-up item ``(pk, sk)``."""
    deltas: dict[RollupKey, ItemDelta] = {}
    for fact in facts:
        campaign = attributed_campaign(fact)
        for family, granularity, dimension in item_keys(fact, campaign, now):
            bucket = bucket_start(fact.ts, granularity)
            key = (rollup_pk(family, granularity, dimension), bucket.strftime("%Y-%m-%dT%H:%M:%SZ"))
            delta = deltas.get(key)
            if delta is None:
                delta = deltas[key] = ItemDelta(expires_at=_expiry(bucket, granularity, retention_days))
            contribute(delta, family, fact, campaign)
    return deltas


def touched_keys(fact: EventFact) -> set[RollupKey]:
    """What applying this fact may write: its minute item (and, for a minute that overflows
    into a new part, that part), and a mark on its hour should that hour be compacted already.
    Counted whether or not, so chunk boundaries never depend on stored state."""
    minute = bucket_sk(fact.ts, "minute")
    return {("minute", minute), ("minute part", minute), ("dirty", bucket_sk(fact.ts, "hour"))}


def first_chunk_end(facts: list[EventFact | None], max_items: int) -> int:
    """Exclusive end of the greedy maximal prefix touching at most ``max_items`` items.

    Deterministic given the first fact, so a chunk re-formed after a redelivery that
    starts at the same record is the same chunk (or a longer one when the original
    ended with its batch, which the chunk marker's last sequence number covers).
    ``None`` stands for a record that counts nothing (MODIFY/REMOVE) and touches no item.
    """
    current: set[RollupKey] = set()
    for index, fact in enumerate(facts):
        if fact is None:
            continue
        keys = touched_keys(fact)
        if current and len(current | keys) > max_items:
            return index
        current |= keys
    return len(facts)


def chunk_ends(facts: list[EventFact | None], max_items: int) -> list[int]:
    """Every chunk end when cutting from the first fact (what a clean run of the batch does)."""
    ends, start = [], 0
    while start < len(facts):
        start += first_chunk_end(facts[start:], max_items)
        ends.append(start)
    return ends


def counters_with_prefix(item: dict[str, float], prefix: str) -> dict[str, float]:
    """``{"a:page_view": 3, "c:purchase": 1}`` with prefix ``a:`` → ``{"page_view": 3}``."""
    return {name[len(prefix) :]: value for name, value in item.items() if name.startswith(prefix)}


# ---- real-time reads ---------------------------------------------------------------------------

ACTIVE_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class RangePlan:
    """Which buckets a time range reads: cost follows the bucket count, never the event count."""

    granularity: str
    start: datetime
    end: datetime
    first_sk: str
    last_sk: str


def plan_range(span: timedelta, granularity: str, now: datetime) -> RangePlan:
    """The buckets of ``granularity`` covering the ``span`` that ends ``now``."""
    start = now - span
    return RangePlan(granularity, start, now, bucket_sk(start, granularity), bucket_sk(now, granularity))


def activity_series(items: list[dict], event_types: set[str] | None) -> list[dict]:
    """Packed ``counts`` items → the seed's ``realTimeActivity`` rows (one per type and bucket)."""
    rows = []
    for item in sorted(items, key=lambda i: i["sk"]):
        for event_type, count in sorted(counters_with_prefix(item, "a:").items()):
            if event_types is None or event_type in event_types:
                rows.append({"event_type": event_type, "count": int(count), "time_bucket": item["sk"]})
    return rows


def conversion_series(items: list[dict], types: set[str] | None) -> list[dict]:
    rows = []
    for item in sorted(items, key=lambda i: i["sk"]):
        values = counters_with_prefix(item, "v:")
        for conversion_type, count in sorted(counters_with_prefix(item, "c:").items()):
            if types is None or conversion_type in types:
                rows.append(
                    {
                        "conversion_type": conversion_type,
                        "count": int(count),
                        "total_value": round(float(values.get(conversion_type, 0)), 2),
                        "time_bucket": item["sk"],
                    }
                )
    return rows


def interaction_series(items: list[dict], types: set[str] | None) -> list[dict]:
    """Packed ``counts`` items → ``realTimeInteractions`` rows (one per interaction type and bucket)."""
    rows = []
    for item in sorted(items, key=lambda i: i["sk"]):
        for interaction_type, count in sorted(counters_with_prefix(item, "i:").items()):
            if types is None or interaction_type in types:
                rows.append({"interaction_type": interaction_type, "count": int(count), "time_bucket": item["sk"]})
    return rows


def event_items_as_counts(items: list[dict], event_id: str) -> list[dict]:
    """Slot items of the ``event`` family → ``counts``-shaped items for one Bilten event id."""
    out = []
    prefix = f"n:{event_id}:"
    for item in items:
        converted: dict = {"sk": item["sk"]}
        for name, value in item.items():
            if name.startswith(prefix):
                what = name[len(prefix) :]
                if what == "conversion":
                    converted["c:conversion"] = value
                else:
                    converted[f"a:{what}"] = value
                    converted[f"i:{what}"] = value
        if f"v:{event_id}" in item:
            converted["v:conversion"] = item[f"v:{event_id}"]
        if len(converted) > 1:
            out.append(converted)
    return out


def performance_rows(items: list[dict], p95_by_endpoint: dict[str, float | None]) -> list[dict]:
    """Packed ``perf`` items over a range → the seed's ``performanceMetrics`` rows (+ p95)."""
    totals: dict[str, dict[str, float]] = {}
    for item in items:
        for endpoint, count in counters_with_prefix(item, "n:").items():
            entry = totals.setdefault(endpoint, {"n": 0, "err": 0, "ms": 0})
            entry["n"] += count
            entry["err"] += item.get(f"err:{endpoint}", 0)
            entry["ms"] += item.get(f"ms:{endpoint}", 0)
    rows = []
    for endpoint, entry in sorted(totals.items(), key=lambda kv: (-kv[1]["n"], kv[0])):
        p95 = p95_by_endpoint.get(endpoint)
        rows.append(
            {
                "endpoint": endpoint,
                "avg_response_time": round(entry["ms"] / entry["n"]) if entry["n"] else 0,
                "request_count": int(entry["n"]),
                "error_count": int(entry["err"]),
                "p95_response_time": round(p95) if p95 is not None else None,
            }
        )
    return rows


def endpoints_in(items: list[dict]) -> list[str]:
    return sorted({endpoint for item in items for endpoint in counters_with_prefix(item, "n:")})


def deltas_as_items(deltas: dict[RollupKey, ItemDelta], family: str, granularity: str) -> list[dict]:
    """In-memory aggregation (e.g. of one user's raw events) shaped like stored roll-up items."""
    pk = rollup_pk(family, granularity)
    return [{"sk": sk, **delta.counters} for (key_pk, sk), delta in deltas.items() if key_pk == pk]
