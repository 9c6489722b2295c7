"""The lake's questions as SQL, written once in DuckDB's dialect over the table ``events``.

``store.engine`` runs them on DuckDB as written and derives the Athena (Trino) form with sqlglot.
Values travel as named parameters (``$name``); the only things rendered into the text are
lists and filter columns whose shape depends on the request, and those are built as sqlglot
literals and identifiers (quoted by sqlglot, never by string formatting of user input).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

FUNNEL_KINDS = ("activity", "interaction", "conversion")

NAMED: dict[str, str] = {
    "count_per_day": """
        SELECT day, kind, count(*) AS events
        FROM events
        WHERE day BETWEEN $start_day AND $end_day
        GROUP BY day, kind
        ORDER BY day, kind
    """,
    "count_all": "SELECT count(*) AS events FROM events WHERE day BETWEEN $start_day AND $end_day",
}

_FUNNEL_EVENTS = """
    SELECT unit, kind, name, ts, sk
    FROM (
        SELECT
            CASE
                WHEN user_id IS NOT NULL AND user_id <> '' THEN 'u:' || user_id
                WHEN session_id IS NOT NULL AND session_id <> '' THEN 's:' || session_id
            END AS unit,
            kind, name, ts, sk
        FROM events
        WHERE day BETWEEN $start_day AND $end_day
          AND ts BETWEEN $start AND $end
          AND name IN ({names})
          AND {conditions}
    ) AS stepped
    WHERE unit IS NOT NULL
    ORDER BY unit, ts, sk
"""


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(exp.Literal.string(v).sql("duckdb") for v in sorted(set(values)))


def funnel_events(names: Iterable[str], filters: dict[str, str], all_kinds: bool) -> str:
    """The units' step events in time order. ``ts`` compares as text (ISO, milliseconds, ``Z``)
    exactly as the raw sort key does in DynamoDB, so both paths see the same range. Filters are
    ``column = value`` on stored columns; ``all_kinds`` mirrors the DynamoDB path, which reads a
    user's whole index partition."""
    conditions = [] if all_kinds else [f"kind IN ({_in_list(FUNNEL_KINDS)})"]
    for column, value in sorted(filters.items()):
        condition = exp.EQ(this=exp.column(column, quoted=True), expression=exp.Literal.string(value))
        conditions.append(condition.sql("duckdb"))
    return _FUNNEL_EVENTS.format(names=_in_list(names), conditions=" AND ".join(conditions) or "TRUE")
