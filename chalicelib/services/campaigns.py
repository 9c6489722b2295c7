"""Campaigns: the seed's campaign_tracking records, and each campaign's first-touch performance.

Performance is first-touch: a session's events and conversions count for the
campaign that brought the session (its first UTM campaign / campaignId), else for
the campaign the event itself names; the campaign id must equal the
``utm_campaign`` value (or the ``campaignId`` sent with conversions). Read from
day roll-ups: the cost follows the days asked for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain import rollups as rd
from chalicelib.domain import sketches
from chalicelib.domain.clock import iso, utc_now
from chalicelib.domain.errors import FieldError
from chalicelib.services.errors import Conflict, InvalidInput, NotFound
from chalicelib.store import campaigns as store
from chalicelib.store import rollups as rollup_store
from chalicelib.store.models import Campaign

__all__ = ["Campaign", "create", "delete", "get", "list_campaigns", "performance", "update"]


def _check_dates(record: Campaign) -> None:
    if record.start_date and record.end_date and record.end_date < record.start_date:
        raise InvalidInput([FieldError(field="endDate", message="must not be before startDate")])


def create(values: dict[str, Any]) -> Campaign:
    record = Campaign(**values, created_at=iso(utc_now()))
    _check_dates(record)
    try:
        store.create(record)
    except store.CampaignExists:
        raise Conflict(f"Campaign '{record.campaign_id}' already exists") from None
    return record


def get(campaign_id: str) -> Campaign:
    record = store.get(campaign_id)
    if record is None:
        raise NotFound(f"Campaign '{campaign_id}' not found")
    return record


def list_campaigns(active: bool | None = None) -> list[Campaign]:
    return [r for r in store.list_all() if active is None or r.is_active == active]


def update(campaign_id: str, changes: dict[str, Any]) -> Campaign:
    record = get(campaign_id)
    for name, value in changes.items():
        setattr(record, name, value)
    _check_dates(record)
    store.put(record)
    return record


def delete(campaign_id: str) -> None:
    get(campaign_id)
    store.delete(campaign_id)


@rollup_store.shared_reads()
def performance(campaign_id: str, start: datetime, end: datetime) -> dict:
    """Day roll-ups of one campaign (first-touch): sessions, page views, conversions, revenue, rate."""
    first, last = rd.bucket_sk(start, "day"), rd.bucket_sk(end, "day")
    items = rollup_store.read_family("campaign", "day", first, last)
    sessions_items = rollup_store.read_family("campaignq", "day", first, last, campaign_id)
    daily = []
    totals = {"events": 0, "pageViews": 0, "conversions": 0, "revenue": 0.0}
    for item in sorted(items, key=lambda i: i["sk"]):
        row = {
            "events": item.get(f"n:{campaign_id}", 0),
            "pageViews": item.get(f"pv:{campaign_id}", 0),
            "conversions": item.get(f"c:{campaign_id}", 0),
            "revenue": float(item.get(f"v:{campaign_id}", 0)),
        }
        if row["events"]:
            daily.append({"date": item["sk"][:10], **row, "revenue": round(row["revenue"], 2)})
            for key, value in row.items():
                totals[key] += value
    sessions = sketches.distinct_count(i.get("hll") for i in sessions_items)
    return {
        "sessions": sessions,
        "pageViews": int(totals["pageViews"]),
        "conversions": int(totals["conversions"]),
        "revenue": round(totals["revenue"], 2),
        "conversionRate": round(100.0 * totals["conversions"] / sessions, 2) if sessions else 0.0,
        "events": int(totals["events"]),
        "attribution": "first_touch",
        "startDate": iso(start),
        "endDate": iso(end),
        "daily": daily,
    }
