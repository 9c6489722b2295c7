"""Export data sets: the seed's columns per data set, row mapping, CSV and JSON encoding.

Columns use the seed's snake_case table columns so an export reads like the
seed's tables. CSV cells that a spreadsheet would run as a formula (leading
``= + - @``) are prefixed with a quote (CSV injection); nested JSON is written
as a JSON string in one cell.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from chalicelib.domain.stored import StoredEvent

RAW_DATASETS = {
    "user_activity": "activity",
    "event_interactions": "interaction",
    "conversions": "conversion",
    "performance": "performance",
    "heatmap": "heatmap",
}
TABLE_DATASETS = ("campaigns", "ab_tests", "user_engagement", "event_engagement")
DATASETS = tuple(RAW_DATASETS) + TABLE_DATASETS
FORMATS = ("csv", "json")

COLUMNS: dict[str, tuple[str, ...]] = {
    "user_activity": (
        "id", "user_id", "session_id", "event_type", "event_data", "page_url", "browser", "os", "device", "created_at",
    ),
    "event_interactions": (
        "id", "user_id", "event_id", "interaction_type", "interaction_data", "session_id", "created_at",
    ),
    "conversions": (
        "id", "user_id", "conversion_type", "conversion_value", "conversion_data", "session_id", "campaign_id",
        "created_at",
    ),
    "performance": ("id", "endpoint", "response_time", "status_code", "error_message", "created_at"),
    "heatmap": (
        "id", "page_url", "element_selector", "x_position", "y_position", "click_count", "hover_count",
        "scroll_depth", "session_id", "user_id", "created_at",
    ),
    "campaigns": (
        "campaign_id", "campaign_name", "campaign_source", "campaign_medium", "campaign_term", "campaign_content",
        "start_date", "end_date", "is_active", "campaign_data",
    ),
    "ab_tests": (
        "id", "test_name", "test_type", "variants", "total_participants", "variant_a_participants",
        "variant_b_participants", "variant_a_conversions", "variant_b_conversions", "variant_a_conversion_rate",
        "variant_b_conversion_rate", "confidence_level", "winner", "is_active", "start_date", "end_date",
    ),
    "user_engagement": (
        "user_id", "total_events", "total_sessions", "total_page_views", "total_clicks", "total_conversions",
        "total_conversion_value", "avg_session_duration", "last_activity", "first_activity",
    ),
    "event_engagement": (
        "event_id", "total_views", "total_interactions", "total_likes", "total_shares", "total_bookmarks",
        "total_conversions", "total_conversion_value", "engagement_rate", "last_interaction", "first_interaction",
    ),
}  # fmt: skip

# Stored attribute → seed column, per raw data set (the rest keep their names).
_RAW_RENAMES = {
    "user_activity": {"name": "event_type", "data": "event_data"},
    "event_interactions": {"name": "interaction_type", "data": "interaction_data"},
    "conversions": {"name": "conversion_type", "data": "conversion_data", "value": "conversion_value"},
    "performance": {"name": "endpoint"},
    "heatmap": {"x": "x_position", "y": "y_position"},
}
# Filter key (camelCase, as in the seed's example) → stored attribute, per data set.
NAME_FILTER = {
    "user_activity": "eventType",
    "event_interactions": "interactionType",
    "conversions": "conversionType",
    "performance": "endpoint",
    "heatmap": "pageUrl",
}
RAW_FILTERS = {
    "userId": "user_id",
    "sessionId": "session_id",
    "eventId": "event_id",
    "campaignId": "campaign_id",
    "statusCode": "status_code",
    "device": "device",
}
TABLE_FILTERS = {
    "campaigns": {"campaignId": "campaign_id", "isActive": "is_active"},
    "ab_tests": {"experimentId": "id", "testName": "test_name", "isActive": "is_active"},
    "user_engagement": {"userId": "user_id"},
    "event_engagement": {"eventId": "event_id"},
}


def allowed_filters(dataset: str) -> set[str]:
    if dataset in RAW_DATASETS:
        return set(RAW_FILTERS) | {NAME_FILTER[dataset]}
    return set(TABLE_FILTERS[dataset])


def raw_row(dataset: str, stored: StoredEvent) -> dict[str, Any]:
    """A stored raw event → the seed's row for ``dataset``."""
    renames = _RAW_RENAMES[dataset]
    event = stored.as_dict()
    source = {renames.get(k, k): v for k, v in event.items()}
    source["id"] = event.get("message_id")
    source["created_at"] = event.get("ts")
    if dataset == "performance":
        source["endpoint"] = event.get("endpoint") or event.get("name")
    return {column: source.get(column) for column in COLUMNS[dataset]}


def table_row(dataset: str, item: dict[str, Any]) -> dict[str, Any]:
    source = dict(item)
    if dataset == "ab_tests":
        source["id"] = item.get("experiment_id")
    return {column: source.get(column) for column in COLUMNS[dataset]}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        text = "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_header(dataset: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(COLUMNS[dataset])
    return buffer.getvalue()


def csv_rows(dataset: str, rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in COLUMNS[dataset]])
    return buffer.getvalue()


def json_rows(rows: list[dict[str, Any]]) -> str:
    """Rows as comma-joined JSON objects (a fragment of an array, so parts can be concatenated)."""
    return ",\n".join(json.dumps(row, ensure_ascii=False, default=str) for row in rows)


def encode(dataset: str, fmt: str, rows: list[dict[str, Any]]) -> str:
    """A whole document: CSV with header, or a JSON array."""
    if fmt == "csv":
        return csv_header(dataset) + csv_rows(dataset, rows)
    return "[" + json_rows(rows) + "]"


def assemble(dataset: str, fmt: str, fragments: list[str]) -> str:
    """Join part fragments (from ``csv_rows``/``json_rows``) into one document."""
    if fmt == "csv":
        return csv_header(dataset) + "".join(fragments)
    return "[" + ",\n".join(f for f in fragments if f) + "]"
