"""The event lake's row shape, derived from ``StoredEvent`` so the two cannot drift apart.

Pure: logical column types only (``string``, ``int64``, ``double``, ``json``, ``timestamp``);
``store.lake`` maps them onto Parquet/Arrow and the Glue table. Every ``StoredEvent``
attribute is a column under its stored name; ``data`` is JSON text (its shape is free-form).
Two derived columns make SQL simple and partitions prunable: ``event_time`` (``ts`` as a
UTC timestamp, for window arithmetic) and ``day`` (the Hive partition, ``YYYY-MM-DD`` of ``ts``).
StoredEvent holds no raw IP and no full user agent, so neither does the lake.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any

from chalicelib.domain.clock import parse_iso
from chalicelib.domain.stored import StoredEvent

RAW_KINDS = ("activity", "interaction", "conversion", "performance", "heatmap")
PARTITION_COLUMN = "day"
_TYPES = {"str": "string", "int": "int64", "float": "double", "Any": "json"}


def _logical(annotation: object) -> str:
    text = str(annotation).replace(" ", "")
    base = text.removesuffix("|None")
    if base not in _TYPES:
        raise TypeError(f"StoredEvent annotation {annotation!r} has no lake column type")
    return _TYPES[base]


STORED_COLUMNS: tuple[tuple[str, str], ...] = tuple((f.name, _logical(f.type)) for f in fields(StoredEvent))
"""Every ``StoredEvent`` attribute with its logical type, in declaration order."""

COLUMNS: tuple[tuple[str, str], ...] = (*STORED_COLUMNS, ("event_time", "timestamp"), (PARTITION_COLUMN, "string"))
"""The lake table's columns: the stored attributes, then the derived ones."""


def day_of(ts: str) -> str:
    """The partition of an ISO time: its UTC date (stored times are UTC, ``...Z``)."""
    return ts[:10]


def is_lake_fact(event: StoredEvent) -> bool:
    """Only raw facts of the five kinds go to the lake (not key-only or foreign items)."""
    return event.kind in RAW_KINDS and bool(event.name) and bool(event.ts) and bool(event.message_id)


def row_of(event: StoredEvent) -> dict[str, Any]:
    """One lake row: stored attributes as typed values, ``data`` as JSON text, derived columns."""
    row: dict[str, Any] = {}
    for name, logical in STORED_COLUMNS:
        value = getattr(event, name)
        if logical == "json":
            value = None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))
        elif logical == "double" and value is not None:
            value = float(value)
        row[name] = value
    row["event_time"] = parse_iso(event.ts)
    row[PARTITION_COLUMN] = day_of(event.ts)
    return row


def event_of(row: dict[str, Any]) -> StoredEvent:
    """A lake row back as a ``StoredEvent`` (numbers as stored: ``int`` when whole)."""
    values: dict[str, Any] = {}
    for name, logical in STORED_COLUMNS:
        value = row.get(name)
        if value is None:
            continue
        if logical == "json":
            value = json.loads(value)
        elif logical == "double" and float(value).is_integer():
            value = int(value)
        values[name] = value
    return StoredEvent(**values)


def row_order(row: dict[str, Any]) -> tuple[datetime, str, str]:
    """The one order of rows in an object: time, then raw sort key, then messageId (deterministic)."""
    return row["event_time"], row["sk"] or "", row["message_id"] or ""
